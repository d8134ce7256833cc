import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Settings } from "./lib/bindings";
import App from "./App.svelte";
import { homeWith } from "./test/fixtures";

describe("App", () => {
  it("switches the visible language and keeps the choice in the settings", async () => {
    let settings: Settings = { lang: "vi", portal_url: null, pkcs11_modules: [], trust_anchors: null, data_dir: "/d", check_revocation: true };
    const saved: Settings[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "settings_get") return settings;
        if (cmd === "settings_set") {
          settings = (args as { settings: Settings }).settings;
          saved.push(settings);
          return settings;
        }
        if (cmd === "home") return homeWith([]);
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("home");
    expect(screen.getByTestId("nav-home").textContent!.trim()).toBe("Trang chính");
    await waitFor(() => expect(document.querySelector("main")!.dataset.ready).toBe("true"));

    await fireEvent.click(screen.getByTestId("lang-en"));
    expect(screen.getByTestId("nav-home").textContent!.trim()).toBe("Home");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Home");
    await waitFor(() => expect(saved.map((s) => s.lang)).toEqual(["en"]));
  });

  it("starts in the language the settings hold", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "settings_get")
          return { lang: "en", portal_url: null, pkcs11_modules: [], trust_anchors: null, data_dir: "/d", check_revocation: true };
        if (cmd === "home") return homeWith([]);
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("home");
    expect(screen.getByTestId("nav-settings").textContent!.trim()).toBe("Settings");
  });

  it("asks for the passphrase of a locked data folder before anything else", async () => {
    let locked = true;
    const tried: string[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "store_locked") return locked;
        if (cmd === "store_unlock") {
          const p = (args as { passphrase: string }).passphrase;
          tried.push(p);
          if (p !== "cụm mật khẩu đúng")
            throw { code: "store.wrong_key", message: { vi: "Sai cụm mật khẩu.", en: "Wrong passphrase." }, report: null };
          locked = false;
          return null;
        }
        if (cmd === "settings_get")
          return { lang: "vi", portal_url: null, pkcs11_modules: [], trust_anchors: null, data_dir: "/d", check_revocation: true };
        if (cmd === "home") return homeWith([]);
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("unlock");
    expect(screen.queryByTestId("home")).toBeNull();
    const submit = screen.getByTestId("unlock-submit") as HTMLButtonElement;
    expect(submit.disabled).toBe(true);

    await fireEvent.input(screen.getByTestId("unlock-input"), { target: { value: "sai rồi" } });
    await fireEvent.click(submit);
    const error = await screen.findByTestId("error");
    expect(error.dataset.code).toBe("store.wrong_key");
    expect((screen.getByTestId("unlock-input") as HTMLInputElement).value).toBe("");

    await fireEvent.input(screen.getByTestId("unlock-input"), { target: { value: "cụm mật khẩu đúng" } });
    await fireEvent.click(screen.getByTestId("unlock-submit"));
    await screen.findByTestId("home");
    expect(tried).toEqual(["sai rồi", "cụm mật khẩu đúng"]);
  });
});
