// Translations: every user-facing string is in vi.json / en.json. Texts that come from Rust
// (validation messages, fee lines, statuses) arrive as `Text {vi, en}` and are shown with `tx`.
import vi from "./vi.json";
import en from "./en.json";
import type { Text } from "../bindings";

export type Lang = "vi" | "en";
export const LANGS: Lang[] = ["vi", "en"];

type Tree = { [key: string]: string | Tree };

export function flatten(tree: Tree, prefix = "", out: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}

const dicts: Record<Lang, Record<string, string>> = {
  vi: flatten(vi as Tree),
  en: flatten(en as Tree),
};

export const i18n = $state({ lang: "vi" as Lang });

export function isLang(s: unknown): s is Lang {
  return s === "vi" || s === "en";
}

export function setLang(lang: Lang) {
  i18n.lang = lang;
  if (typeof document !== "undefined") {
    document.documentElement.lang = lang;
    document.title = t("app.name");
  }
}

/** The current language's text for `key`, with `{name}` placeholders filled from `params`. */
export function t(key: string, params?: Record<string, string | number>): string {
  const s = dicts[i18n.lang][key] ?? dicts.vi[key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

/** The current language's half of a text from Rust. */
export function tx(text: Text | null | undefined): string {
  if (!text) return "";
  return (i18n.lang === "en" ? text.en : text.vi) || text.vi || text.en;
}

export function hasKey(key: string): boolean {
  return key in dicts.vi;
}

/** Amounts in đồng, grouped the way the current language writes them. */
export function vnd(amount: number | bigint): string {
  const n = new Intl.NumberFormat(i18n.lang === "vi" ? "vi-VN" : "en-GB").format(amount);
  return t("common.vnd", { amount: n });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(i18n.lang === "vi" ? "vi-VN" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(i18n.lang === "vi" ? "vi-VN" : "en-GB", { dateStyle: "medium" });
}

export function bytes(n: number): string {
  if (n < 1024) return t("common.bytes", { n });
  if (n < 1024 * 1024) return t("common.kib", { n: (n / 1024).toFixed(0) });
  return t("common.mib", { n: (n / 1024 / 1024).toFixed(1) });
}
