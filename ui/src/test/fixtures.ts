// Values shaped like the generated bindings, for component tests.
import type { DraftView, FeeSchedule, Home, Problem } from "../lib/bindings";

export function fees(total: number): FeeSchedule {
  return {
    table_version: "2026.11.1",
    day: "2026-11-20",
    lines: [
      {
        id: "trademark.filing",
        stage: "filing",
        label: { vi: "Lệ phí nộp đơn", en: "Filing fee" },
        quantity: 1,
        unit_vnd: total,
        amount_vnd: total,
        basis: { vi: "1 đơn", en: "1 application" },
        source: "test",
        confidence: "single-source",
      },
    ],
    total_at_filing_vnd: total,
    total_later_vnd: 0,
    notes: [],
  };
}

export const TAX_PROBLEM: Problem = {
  path: "applicant.tax_code",
  code: "tax_code.checksum",
  severity: "error",
  message: { vi: "Mã số thuế sai chữ số kiểm tra.", en: "The tax code has a wrong check digit." },
};

export function draftView(taxCode: string, problems: Problem[], total = 150000, rev = 1): DraftView {
  return {
    id: 7,
    kind: "trademark",
    rev,
    title: "Sao Mai",
    profile_id: null,
    sealed: false,
    sealed_at: null,
    updated_at: "2026-11-20T08:00:00Z",
    dossier: {
      kind: "trademark",
      form_version: "trademark/tt10-2026-f04",
      applicant: { name: "Sao Mai", tax_code: taxCode, party_type: "organisation" },
      mark: { description: "SAO MAI", colours: [] },
      goods: [{ class: 9, items: ["Phần mềm"] }],
      attachments: [],
    },
    report: { problems },
    fees: fees(total),
    slots: [
      {
        id: "mark_sample",
        name: { vi: "Mẫu nhãn hiệu", en: "Mark sample" },
        accept: ["image/png", "image/jpeg"],
        max_mib: 10,
        multiple: false,
        required: true,
        files: [],
      },
    ],
    history: [{ rev, saved_at: "2026-11-20T08:00:00Z", summary: "created" }],
    supplement: null,
    counts: null,
  } as unknown as DraftView;
}

/** A patent draft whose description was counted: 18 pages, 12 claims of which 2 independent. */
export function patentView(pages: number, rev = 1): DraftView {
  const base = draftView("0100109106", [], 150000, rev) as unknown as Record<string, unknown>;
  return {
    ...base,
    kind: "patent",
    dossier: {
      kind: "patent",
      form_version: "patent/tt10-2026-f01",
      applicant: { name: "Sao Mai", tax_code: "0100109106", party_type: "organisation" },
      title: "Thiết bị lọc nước",
      claims_total: 12,
      independent_claims: 2,
      description_pages: pages,
      attachments: [],
    },
    slots: [],
    counts: {
      description_pages: 18,
      claims_total: 12,
      independent_claims: 2,
      documents: [
        {
          slot: "description",
          file_name: "mo-ta.pdf",
          sha256: "ab".repeat(32),
          counts: { pages: 18, claims_total: 12, independent_claims: 2, source: "pdf-text" },
        },
      ],
    },
  } as unknown as DraftView;
}

export function homeWith(actions: Home["actions"]): Home {
  return { drafts: [], outbox: [], filed: [], actions };
}
