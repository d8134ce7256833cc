import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { FieldSet } from "../lib/bindings";
import Editor from "./Editor.svelte";
import { TAX_PROBLEM, draftView, patentView } from "../test/fixtures";

describe("Editor", () => {
  it("shows a problem under its field and clears it after a corrected draft_set", async () => {
    const sets: FieldSet[][] = [];
    mockIPC(
      (cmd, args) => {
        const a = args as Record<string, unknown>;
        if (cmd === "draft_get") return draftView("0100109105", [TAX_PROBLEM]);
        if (cmd === "draft_set") {
          const s = a.sets as FieldSet[];
          sets.push(s);
          const tax = s.find((x) => x.path === "applicant.tax_code")!.value;
          return draftView(tax, tax === "0100109106" ? [] : [TAX_PROBLEM], 150000, 2);
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    render(Editor, { draftId: 7 });

    const field = await screen.findByTestId("field-applicant.tax_code");
    const problem = screen.getByTestId("problem-applicant.tax_code");
    expect(problem.textContent).toContain("Mã số thuế sai chữ số kiểm tra.");
    // The message sits inside the field's own block, and the input points to it.
    expect(field.closest(".field")!.contains(problem)).toBe(true);
    expect(field.getAttribute("aria-describedby")).toContain(problem.id);
    expect(screen.queryByTestId("problem-applicant.name")).toBeNull();

    await fireEvent.input(field, { target: { value: "0100109106" } });
    expect(screen.getByTestId("save-state").textContent).not.toBe("Đã lưu");

    await waitFor(() => expect(screen.queryByTestId("problem-applicant.tax_code")).toBeNull(), { timeout: 2000 });
    expect(sets).toEqual([[{ path: "applicant.tax_code", value: "0100109106" }]]);
    expect(screen.getByTestId("save-state").textContent).toBe("Đã lưu");
  });

  it("sends one draft_set for a burst of typing and shows the new fee total", async () => {
    const calls = vi.fn();
    mockIPC(
      (cmd, args) => {
        if (cmd === "draft_get") return draftView("0100109106", [], 150000);
        if (cmd === "draft_set") {
          calls(args);
          return draftView("0100109106", [], 300000, 2);
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    render(Editor, { draftId: 7 });
    const total = await screen.findByTestId("fee-total");
    expect(total.textContent).toMatch(/150[.\s ]000/);

    const desc = screen.getByTestId("field-mark.description");
    for (const v of ["S", "SA", "SAO"]) await fireEvent.input(desc, { target: { value: v } });

    await waitFor(() => expect(screen.getByTestId("fee-total").textContent).toMatch(/300[.\s ]000/), { timeout: 2000 });
    expect(calls).toHaveBeenCalledTimes(1);
    expect(calls.mock.calls[0][0]).toMatchObject({ draft_id: 7, sets: [{ path: "mark.description", value: "SAO" }] });
  });

  it("lists the goods of a Nice class one per line and sends them as a JSON list", async () => {
    const sets: FieldSet[][] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "draft_get") return draftView("0100109106", []);
        if (cmd === "draft_set") {
          sets.push((args as { sets: FieldSet[] }).sets);
          return draftView("0100109106", [], 150000, 2);
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    render(Editor, { draftId: 7 });
    const items = (await screen.findByTestId("field-goods.0.items")) as HTMLTextAreaElement;
    expect(items.value).toBe("Phần mềm");
    await fireEvent.input(items, { target: { value: "Phần mềm\nThẻ nhớ USB\n" } });
    await waitFor(() => expect(sets.length).toBe(1), { timeout: 2000 });
    expect(JSON.parse(sets[0][0].value)).toEqual(["Phần mềm", "Thẻ nhớ USB"]);
    expect(sets[0][0].path).toBe("goods.0.items");
  });

  it("offers the page count read from the description and sets it on request", async () => {
    const sets: FieldSet[][] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "draft_get") return patentView(15);
        if (cmd === "draft_set") {
          sets.push((args as { sets: FieldSet[] }).sets);
          return patentView(18, 2);
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    render(Editor, { draftId: 7 });
    const pages = (await screen.findByTestId("field-description_pages")) as HTMLInputElement;
    expect(pages.value).toBe("15");
    expect(screen.getByTestId("counts").textContent).toContain("mo-ta.pdf");
    // Claims already match the documents: no offer beside them.
    const claims = screen.getByTestId("field-claims_total");
    expect(claims.closest(".field")!.querySelector("button")).toBeNull();

    const use = pages.closest(".field")!.querySelector("button")!;
    expect(use.textContent).toContain("18");
    await fireEvent.click(use);
    await waitFor(() => expect(sets.length).toBe(1), { timeout: 2000 });
    expect(sets[0]).toEqual([{ path: "description_pages", value: "18" }]);
    await waitFor(() => expect(pages.closest(".field")!.querySelector("button")).toBeNull());
  });
});
