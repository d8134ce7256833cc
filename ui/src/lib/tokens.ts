import type { SignerRef, Text, TokenView } from "./bindings";

/** The PIN warnings a token reports (few tries left, final try, locked), shown before typing. */
export function pinWarnings(token: TokenView | null | undefined): Text[] {
  return token?.pin_warnings ?? [];
}

export function tokenSigner(token: TokenView, keyId: string): SignerRef {
  return { token: { module: token.module, slot: token.slot_id ?? 0, key_id: keyId } };
}

export function fileSigner(path: string): SignerRef {
  return { file: { path } };
}

/** The signer a SignerPicker choice names, with the PIN warnings of its token. */
export function resolveChoice(
  tokens: TokenView[],
  choice: string,
  p12Path: string,
): { signer: SignerRef; warnings: Text[]; p12: boolean } | null {
  if (choice === "p12") {
    return p12Path.trim() ? { signer: fileSigner(p12Path.trim()), warnings: [], p12: true } : null;
  }
  const m = /^token:(\d+):(.+)$/.exec(choice);
  if (!m) return null;
  const tok = tokens[Number(m[1])];
  if (!tok || tok.slot_id === null) return null;
  return { signer: tokenSigner(tok, m[2]), warnings: pinWarnings(tok), p12: false };
}
