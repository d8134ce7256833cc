// The official forms as declarative layouts: sections (title key) of fields, each bound to the
// dotted path of the dossier JSON (core/src/forms/*.rs) that `draft_set` takes.
import type { DossierKind } from "./bindings";

export type Option = { value: string; label: string };
// `numeric`: digits typed (a GTIN), shown in the monospace face.
export type Column = { key: string; label: string; type: "text" | "date" | "select"; options?: Option[]; numeric?: boolean };

export type FieldSpec =
  | { type: "text" | "textarea" | "date" | "checkbox" | "email" | "tel"; path: string; label: string; hint?: string; wide?: boolean }
  | { type: "number"; path: string; label: string; hint?: string; optional?: boolean; wide?: boolean }
  | { type: "select"; path: string; label: string; options: Option[]; numeric?: boolean; hint?: string; wide?: boolean }
  | { type: "multi"; path: string; label: string; options: Option[]; hint?: string; wide?: boolean }
  | { type: "strings"; path: string; label: string; hint?: string; wide?: boolean }
  | { type: "table"; path: string; label: string; columns: Column[]; hint?: string; wide?: boolean }
  | { type: "nice"; path: string; label: string; wide?: boolean }
  | { type: "products"; path: string; label: string; columns: Column[]; wide?: boolean };

export type Section = { id: string; title: string; fields: FieldSpec[] };

// The barcode registration's product table (core/src/forms/barcode.rs, `Product`).
const PRODUCT_COLUMNS: Column[] = ["gtin", "name", "brand", "net_content", "description"].map((key) => ({
  key,
  label: `products.${key}`,
  type: "text",
  numeric: key === "gtin",
}));

const opts = (prefix: string, values: string[]): Option[] =>
  values.map((value) => ({ value, label: `${prefix}.${value}` }));

const PARTY_TYPES = opts("opt.party_type", ["organisation", "individual"]);
const REP_TYPES = opts("opt.rep_type", ["none", "legal-representative", "ip-agent", "authorised"]);
const CERT_FORMS = opts("opt.certificate_form", ["electronic", "paper"]);
const PRIORITY_BASES = opts("opt.priority_basis", ["paris-convention", "earlier-vietnamese", "other-agreement"]);
const PATENT_ORIGINS = opts("opt.patent_origin", ["new", "divisional", "pct-national-phase"]);

function party(prefix: string): FieldSpec[] {
  const p = (s: string) => `${prefix}.${s}`;
  return [
    { type: "select", path: p("party_type"), label: "f.party_type", options: PARTY_TYPES },
    { type: "text", path: p("name"), label: "f.name", wide: true },
    { type: "text", path: p("name_en"), label: "f.name_en", wide: true },
    { type: "text", path: p("address"), label: "f.address", wide: true },
    { type: "text", path: p("tax_code"), label: "f.tax_code", hint: "hint.tax_code" },
    { type: "text", path: p("citizen_id"), label: "f.citizen_id", hint: "hint.citizen_id" },
    { type: "text", path: p("country"), label: "f.country", hint: "hint.country" },
    { type: "text", path: p("nationality"), label: "f.nationality", hint: "hint.country" },
    { type: "checkbox", path: p("establishment_in_vietnam"), label: "f.establishment_in_vietnam", wide: true },
    { type: "text", path: p("legal_representative.name"), label: "f.legal_representative_name" },
    { type: "text", path: p("legal_representative.title"), label: "f.legal_representative_title" },
    { type: "tel", path: p("phone"), label: "f.phone" },
    { type: "email", path: p("email"), label: "f.email" },
  ];
}

const representative: Section = {
  id: "representative",
  title: "sec.representative",
  fields: [
    { type: "select", path: "representative.kind", label: "f.rep_kind", options: REP_TYPES },
    { type: "text", path: "representative.name", label: "f.rep_name", wide: true },
    { type: "text", path: "representative.agent_code", label: "f.agent_code" },
    { type: "text", path: "representative.address", label: "f.address", wide: true },
    { type: "tel", path: "representative.phone", label: "f.phone" },
    { type: "email", path: "representative.email", label: "f.email" },
  ],
};

const coApplicants: FieldSpec = {
  type: "table",
  path: "co_applicants",
  label: "f.co_applicants",
  wide: true,
  columns: [
    { key: "name", label: "f.name", type: "text" },
    { key: "address", label: "f.address", type: "text" },
    { key: "tax_code", label: "f.tax_code", type: "text" },
    { key: "country", label: "f.country", type: "text" },
  ],
};

const priority: Section = {
  id: "priority",
  title: "sec.priority",
  fields: [
    {
      type: "table",
      path: "priority",
      label: "f.priority",
      wide: true,
      columns: [
        { key: "basis", label: "f.priority_basis", type: "select", options: PRIORITY_BASES },
        { key: "country", label: "f.country", type: "text" },
        { key: "number", label: "f.application_number", type: "text" },
        { key: "date", label: "f.date", type: "date" },
      ],
    },
  ],
};

const authors = (path: string, label: string): FieldSpec => ({
  type: "table",
  path,
  label,
  wide: true,
  columns: [
    { key: "name", label: "f.person_name", type: "text" },
    { key: "nationality", label: "f.nationality", type: "text" },
    { key: "address", label: "f.address", type: "text" },
  ],
});

const origin: FieldSpec[] = [
  { type: "select", path: "origin.kind", label: "f.origin_kind", options: PATENT_ORIGINS },
  { type: "text", path: "origin.number", label: "f.origin_number" },
  { type: "date", path: "origin.date", label: "f.origin_date" },
];

const general: Section = {
  id: "general",
  title: "sec.general",
  fields: [
    { type: "date", path: "filing_date", label: "f.filing_date", hint: "hint.filing_date" },
    { type: "text", path: "form_version", label: "f.form_version" },
  ],
};

const closing = (withCertificate: boolean): Section => ({
  id: "closing",
  title: "sec.closing",
  fields: [
    ...(withCertificate
      ? [{ type: "select", path: "certificate_form", label: "f.certificate_form", options: CERT_FORMS } as FieldSpec]
      : []),
    { type: "text", path: "signatory.place", label: "f.signatory_place" },
    { type: "text", path: "signatory.name", label: "f.signatory_name" },
    { type: "text", path: "signatory.title", label: "f.signatory_title" },
    { type: "textarea", path: "note", label: "f.note", wide: true },
  ],
});

const applicantSection = (withCo: boolean): Section => ({
  id: "applicant",
  title: "sec.applicant",
  fields: [...party("applicant"), ...(withCo ? [coApplicants] : [])],
});

const trademark: Section[] = [
  general,
  applicantSection(true),
  representative,
  {
    id: "origin",
    title: "sec.origin",
    fields: [
      { type: "checkbox", path: "origin.divisional", label: "f.divisional", wide: true },
      { type: "text", path: "origin.parent_number", label: "f.parent_number" },
      { type: "date", path: "origin.parent_filing_date", label: "f.parent_filing_date" },
    ],
  },
  {
    id: "mark",
    title: "sec.mark",
    fields: [
      {
        type: "select",
        path: "mark.mark_type",
        label: "f.mark_type",
        options: opts("opt.mark_type", ["ordinary", "collective", "certification", "three-dimensional", "sound"]),
      },
      { type: "checkbox", path: "mark.associated", label: "f.associated" },
      { type: "checkbox", path: "mark.colour_claim", label: "f.colour_claim" },
      { type: "strings", path: "mark.colours", label: "f.colours", hint: "hint.one_per_line" },
      { type: "textarea", path: "mark.description", label: "f.mark_description", wide: true },
      { type: "textarea", path: "mark.meaning", label: "f.mark_meaning", wide: true },
    ],
  },
  { id: "goods", title: "sec.goods", fields: [{ type: "nice", path: "goods", label: "f.goods", wide: true }] },
  priority,
  closing(true),
];

const patentLike: Section[] = [
  general,
  applicantSection(true),
  representative,
  {
    id: "invention",
    title: "sec.invention",
    fields: [
      { type: "text", path: "title", label: "f.invention_title", wide: true },
      { type: "strings", path: "ipc", label: "f.ipc", hint: "hint.ipc" },
      authors("inventors", "f.inventors"),
      ...origin,
    ],
  },
  {
    id: "counts",
    title: "sec.counts",
    fields: [
      { type: "number", path: "claims_total", label: "f.claims_total" },
      { type: "number", path: "independent_claims", label: "f.independent_claims" },
      { type: "number", path: "description_pages", label: "f.description_pages" },
      { type: "number", path: "figures", label: "f.figures" },
      { type: "checkbox", path: "examination_request", label: "f.examination_request", wide: true },
    ],
  },
  priority,
  closing(true),
];

const industrialDesign: Section[] = [
  general,
  applicantSection(true),
  representative,
  {
    id: "design",
    title: "sec.design",
    fields: [
      { type: "text", path: "product_name", label: "f.product_name", wide: true },
      { type: "strings", path: "locarno", label: "f.locarno", hint: "hint.locarno" },
      authors("designers", "f.designers"),
      ...origin,
      { type: "number", path: "designs", label: "f.designs" },
      { type: "number", path: "variants", label: "f.variants" },
      { type: "number", path: "figures", label: "f.figures" },
    ],
  },
  priority,
  closing(true),
];

const techTransfer: Section[] = [
  general,
  {
    id: "registration",
    title: "sec.registration",
    fields: [
      { type: "select", path: "registration", label: "f.registration", options: opts("opt.registration", ["first", "amendment"]) },
      { type: "text", path: "previous_certificate", label: "f.previous_certificate" },
      { type: "select", path: "applicant_role", label: "f.applicant_role", options: opts("opt.party_role", ["transferee", "transferor"]) },
    ],
  },
  { id: "applicant", title: "sec.filer", fields: party("applicant") },
  { id: "counterparty", title: "sec.counterparty", fields: party("counterparty") },
  representative,
  {
    id: "contract",
    title: "sec.contract",
    fields: [
      { type: "text", path: "contract.number", label: "f.contract_number" },
      { type: "date", path: "contract.signed_on", label: "f.signed_on" },
      { type: "text", path: "contract.language", label: "f.contract_language", hint: "hint.language" },
      { type: "select", path: "contract.direction", label: "f.direction", options: opts("opt.direction", ["inbound", "outbound", "domestic"]) },
      { type: "checkbox", path: "contract.state_funded", label: "f.state_funded", wide: true },
      { type: "text", path: "contract.technology_name", label: "f.technology_name", wide: true },
      { type: "textarea", path: "contract.technology_objects", label: "f.technology_objects", wide: true },
      { type: "textarea", path: "contract.products", label: "f.contract_products", wide: true },
      { type: "textarea", path: "contract.product_standards", label: "f.product_standards", wide: true },
      { type: "select", path: "contract.transfer_of", label: "f.transfer_of", options: opts("opt.transfer_of", ["ownership", "right-to-use"]) },
      { type: "multi", path: "contract.methods", label: "f.methods", options: opts("opt.method", ["documents", "training", "experts", "machinery", "other"]), wide: true },
      { type: "number", path: "contract.value_vnd", label: "f.value_vnd", optional: true },
      { type: "text", path: "contract.value_as_written", label: "f.value_as_written" },
      { type: "text", path: "contract.payment_method", label: "f.payment_method", wide: true },
      { type: "date", path: "contract.effective_from", label: "f.effective_from" },
      { type: "date", path: "contract.effective_to", label: "f.effective_to" },
      { type: "textarea", path: "contract.schedule_and_place", label: "f.schedule_and_place", wide: true },
      { type: "textarea", path: "contract.warranty", label: "f.warranty", wide: true },
      { type: "textarea", path: "contract.dispute_resolution", label: "f.dispute_resolution", wide: true },
    ],
  },
  closing(false),
];

const barcode: Section[] = [
  general,
  { id: "applicant", title: "sec.applicant", fields: party("applicant") },
  representative,
  {
    id: "prefix",
    title: "sec.prefix",
    fields: [
      {
        type: "select",
        path: "prefix_length",
        label: "f.prefix_length",
        numeric: true,
        options: ["7", "8", "9", "10", "12"].map((value) => ({ value, label: `opt.prefix_length.${value}` })),
      },
      { type: "text", path: "company_prefix", label: "f.company_prefix", hint: "hint.company_prefix" },
      { type: "number", path: "gln_count", label: "f.gln_count" },
      { type: "number", path: "ean8_count", label: "f.ean8_count" },
      { type: "text", path: "business_sector", label: "f.business_sector", wide: true },
      { type: "text", path: "website", label: "f.website" },
    ],
  },
  {
    id: "contact",
    title: "sec.contact",
    fields: [
      { type: "text", path: "contact.person.name", label: "f.contact_name" },
      { type: "text", path: "contact.person.title", label: "f.contact_title" },
      { type: "tel", path: "contact.phone", label: "f.phone" },
      { type: "email", path: "contact.email", label: "f.email" },
    ],
  },
  { id: "products", title: "sec.products", fields: [{ type: "products", path: "products", label: "f.products", columns: PRODUCT_COLUMNS, wide: true }] },
  closing(false),
];

export const LAYOUTS: Record<DossierKind, Section[]> = {
  trademark,
  patent: patentLike,
  "utility-solution": patentLike,
  "industrial-design": industrialDesign,
  "tech-transfer": techTransfer,
  barcode,
};

/** Every i18n key a layout uses (the parity test checks they all exist). */
export function layoutKeys(): string[] {
  const keys = new Set<string>();
  for (const sections of Object.values(LAYOUTS)) {
    for (const s of sections) {
      keys.add(s.title);
      for (const f of s.fields) {
        keys.add(f.label);
        if ("hint" in f && f.hint) keys.add(f.hint);
        if ("options" in f) f.options.forEach((o) => keys.add(o.label));
        if (f.type === "table")
          f.columns.forEach((c) => {
            keys.add(c.label);
            c.options?.forEach((o) => keys.add(o.label));
          });
      }
    }
  }
  return [...keys];
}

export const PROFILE_LAYOUTS: Record<"enterprise" | "agent", FieldSpec[]> = {
  enterprise: [
    { type: "text", path: "name", label: "f.name", wide: true },
    { type: "text", path: "name_en", label: "f.name_en", wide: true },
    { type: "text", path: "tax_code", label: "f.tax_code", hint: "hint.tax_code" },
    { type: "text", path: "country", label: "f.country", hint: "hint.country" },
    { type: "text", path: "address", label: "f.address", wide: true },
    { type: "text", path: "legal_representative.name", label: "f.legal_representative_name" },
    { type: "text", path: "legal_representative.title", label: "f.legal_representative_title" },
    { type: "tel", path: "phone", label: "f.phone" },
    { type: "email", path: "email", label: "f.email" },
  ],
  agent: [
    { type: "text", path: "organisation", label: "f.organisation", wide: true },
    { type: "text", path: "agent_code", label: "f.agent_code" },
    { type: "text", path: "address", label: "f.address", wide: true },
    { type: "tel", path: "phone", label: "f.phone" },
    { type: "email", path: "email", label: "f.email" },
  ],
};
