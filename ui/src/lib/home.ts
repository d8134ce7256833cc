import type { Action } from "./bindings";

/** Without a deadline: what blocks a filing first. */
const KIND_ORDER: Action["kind"][] = [
  "supplement_requested",
  "fee_due",
  "outbox_failed",
  "sealed_not_submitted",
];

/**
 * Most urgent first: what has a deadline by the deadline (the nearest first), then the rest by
 * the kind of action (a refused upload before a sealed dossier waiting). Rust already sorts; this keeps the order when rows
 * are merged from events.
 */
export function sortActions(actions: Action[]): Action[] {
  const due = (a: Action) => (a.deadline ? Date.parse(a.deadline) : Number.POSITIVE_INFINITY);
  return [...actions].sort((a, b) => {
    const d = due(a) - due(b);
    if (d !== 0 && !Number.isNaN(d)) return d;
    return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
  });
}
