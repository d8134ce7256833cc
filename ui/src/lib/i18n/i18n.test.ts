import { describe, expect, it } from "vitest";
import vi from "./vi.json";
import en from "./en.json";
import { flatten } from "./index.svelte";
import { layoutKeys } from "../layouts";

// Every source file's text, read by Vite (no Node API needed).
const SOURCES = import.meta.glob(["/src/**/*.svelte", "/src/**/*.ts", "!/src/**/*.test.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸĐ]/;

const files = (ext: string) => Object.keys(SOURCES).filter((f) => f.endsWith(ext));

function withoutComments(source: string): string {
  return source
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("translations", () => {
  const viKeys = Object.keys(flatten(vi)).sort();
  const enKeys = Object.keys(flatten(en)).sort();

  it("vi.json and en.json have exactly the same keys", () => {
    expect(enKeys).toEqual(viKeys);
  });

  it("no translation is empty", () => {
    for (const [k, v] of [...Object.entries(flatten(vi)), ...Object.entries(flatten(en))]) {
      expect(v.trim(), k).not.toBe("");
    }
  });

  it("no .svelte file holds Vietnamese text outside comments", () => {
    const svelte = files(".svelte");
    expect(svelte.length).toBeGreaterThan(20);
    const offenders = svelte.filter((f) => VIETNAMESE.test(withoutComments(SOURCES[f])));
    expect(offenders).toEqual([]);
  });

  it("every literal key passed to t() exists", () => {
    const missing: string[] = [];
    for (const f of Object.keys(SOURCES)) {
      for (const m of SOURCES[f].matchAll(/\bt\(\s*"([^"]+)"/g)) {
        if (!viKeys.includes(m[1])) missing.push(`${m[1]} (${f})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("every key the form layouts use exists", () => {
    expect(layoutKeys().filter((k) => !viKeys.includes(k))).toEqual([]);
  });

  it("the detector catches Vietnamese letters", () => {
    expect(VIETNAMESE.test("<p>Hồ sơ</p>")).toBe(true);
    expect(VIETNAMESE.test(withoutComments("<!-- Hồ sơ --><p>{t('x')}</p>"))).toBe(false);
  });
});
