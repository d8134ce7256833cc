import { afterEach } from "vitest";
import { cleanup } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import { setLang } from "../lib/i18n/index.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
  setLang("vi");
});
