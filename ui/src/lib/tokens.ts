import type { SignerRef, Text, TokenView } from "./bindings";

/**
 * The signer a SignerPicker choice names, with the PIN warnings of its token (few tries left,
 * final try, locked), shown before typing.
 */
export function resolveChoice(
  tokens: TokenView[],
  choice: string,
  p12Path: string,
): { signer: SignerRef; warnings: Text[]; p12: boolean } | null {
  if (choice === "p12") {
    return p12Path.trim() ? { signer: { file: { path: p12Path.trim() } }, warnings: [], p12: true } : null;
  }
  const m = /^token:(\d+):(.+)$/.exec(choice);
  if (!m) return null;
  const tok = tokens[Number(m[1])];
  if (!tok || tok.slot_id === null) return null;
  return {
    signer: { token: { module: tok.module, slot: tok.slot_id, key_id: m[2] } },
    warnings: tok.pin_warnings ?? [],
    p12: false,
  };
}
