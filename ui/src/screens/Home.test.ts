import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Action } from "../lib/bindings";
import Home from "./Home.svelte";
import { homeWith } from "../test/fixtures";
import { sortActions } from "../lib/home";

const action = (label: string, kind: Action["kind"], deadline: string | null): Action => ({
  kind,
  label: { vi: label, en: label },
  deadline,
  dossier_number: null,
  draft_id: null,
  outbox_id: null,
  fee_due: null,
});

describe("Home", () => {
  it("lists needs-action items by urgency: nearest deadline first, then by kind", async () => {
    const actions = [
      action("sealed waiting", "sealed_not_submitted", null),
      action("fee late", "fee_due", "2026-12-20"),
      action("upload failed", "outbox_failed", null),
      action("supplement soon", "supplement_requested", "2026-12-01"),
    ];
    mockIPC((cmd) => (cmd === "home" ? homeWith(actions) : null), { shouldMockEvents: true });
    render(Home);
    const list = await screen.findByTestId("home-actions");
    const texts = within(list)
      .getAllByRole("button")
      .map((b) => b.textContent!.trim().split(/\s{2,}|Hạn/)[0].trim());
    expect(texts).toEqual(["supplement soon", "fee late", "upload failed", "sealed waiting"]);
  });

  it("sortActions does not reorder its input", () => {
    const input = [action("b", "sealed_not_submitted", null), action("a", "fee_due", "2026-01-01")];
    expect(sortActions(input).map((a) => a.label.en)).toEqual(["a", "b"]);
    expect(input[0].label.en).toBe("b");
  });

  it("renders the home root only once data has loaded, with a badge per filed dossier", async () => {
    mockIPC(
      (cmd) =>
        cmd === "home"
          ? {
              ...homeWith([]),
              filed: [
                {
                  dossier_number: "4-2026-00001",
                  kind: "trademark",
                  status: "fee_due",
                  badge: { vi: "Chờ nộp phí", en: "Fee due" },
                  received_at: "2026-11-01T00:00:00Z",
                  synced_at: "2026-11-02T00:00:00Z",
                  draft_id: null,
                  deadline: null,
                  supplement_draft_id: null,
                  fee_due: { amount_vnd: 1000, payment_reference: "X" },
                },
              ],
            }
          : null,
      { shouldMockEvents: true },
    );
    render(Home);
    expect(screen.queryByTestId("home")).toBeNull();
    const row = await screen.findByTestId("filed-row-4-2026-00001");
    expect(screen.getByTestId("home")).toBeTruthy();
    expect(within(row).getByTestId("status-badge").textContent!.trim()).toBe("Chờ nộp phí");
  });
});
