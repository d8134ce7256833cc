import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/svelte";
import PinDialog from "./PinDialog.svelte";

const warnings = [{ vi: "Chỉ còn một lần thử mã PIN.", en: "Final PIN try." }];

describe("PinDialog", () => {
  it("shows the token's warnings before anything is typed, and focuses the PIN", () => {
    render(PinDialog, { title: "PIN", warnings, onsubmit: vi.fn(), oncancel: vi.fn() });
    const input = screen.getByTestId("pin-input") as HTMLInputElement;
    expect(input.value).toBe("");
    expect(screen.getByTestId("pin-warnings").textContent).toContain("Chỉ còn một lần thử mã PIN.");
    expect(document.activeElement).toBe(input);
    expect(screen.getByTestId("pin-dialog").getAttribute("aria-modal")).toBe("true");
  });

  it("submits on Enter with the typed PIN and forgets it", async () => {
    const onsubmit = vi.fn();
    render(PinDialog, { title: "PIN", warnings: [], onsubmit, oncancel: vi.fn() });
    expect(screen.queryByTestId("pin-warnings")).toBeNull();
    const input = screen.getByTestId("pin-input") as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "123456" } });
    await fireEvent.submit(input.form!);
    expect(onsubmit).toHaveBeenCalledWith("123456");
    expect(input.value).toBe("");
  });

  it("closes on Escape without submitting", async () => {
    const onsubmit = vi.fn();
    const oncancel = vi.fn();
    render(PinDialog, { title: "PIN", warnings, onsubmit, oncancel });
    await fireEvent.keyDown(screen.getByTestId("pin-input"), { key: "Escape" });
    expect(oncancel).toHaveBeenCalledTimes(1);
    expect(onsubmit).not.toHaveBeenCalled();
  });

  it("keeps Tab inside the dialog", async () => {
    render(PinDialog, { title: "PIN", warnings, onsubmit: vi.fn(), oncancel: vi.fn() });
    const input = screen.getByTestId("pin-input") as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "1" } });
    const submit = screen.getByTestId("pin-submit");
    submit.focus();
    await fireEvent.keyDown(submit, { key: "Tab" });
    expect(screen.getByTestId("pin-dialog").contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(submit);
  });
});
