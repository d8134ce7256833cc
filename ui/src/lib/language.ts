import { settingsGet, settingsSet } from "./api";
import { isLang, setLang, type Lang } from "./i18n/index.svelte";

/** Switches the language now and keeps it in the settings. */
export async function chooseLanguage(lang: Lang) {
  setLang(lang);
  const s = await settingsGet();
  if (s.lang !== lang) await settingsSet({ ...s, lang });
}

/** The language the settings hold, applied at start (Vietnamese when unknown). */
export async function loadLanguage() {
  try {
    const s = await settingsGet();
    setLang(isLang(s.lang) ? s.lang : "vi");
  } catch {
    setLang("vi");
  }
}
