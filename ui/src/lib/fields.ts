import type { Problem } from "./bindings";
import { fieldId } from "./util";

/** What a form field talks to: the draft editor or the profile editor. */
export interface FieldHost {
  value(path: string): unknown;
  /** `local` goes into the document shown; `wire` is the text `draft_set` reads. */
  set(path: string, local: unknown, wire: string): void;
  problemsAt(path: string): Problem[];
  problemsUnder(path: string): Problem[];
}

/** The problems whose path is exactly `path`. */
export const problemsAt = (problems: Problem[], path: string): Problem[] =>
  problems.filter((p) => p.path === path);

/** The problems of `path` and of everything under it. */
export const problemsUnder = (problems: Problem[], path: string): Problem[] =>
  problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));

/** DOM id of a field's input, and of its problem message. */
export const inputId = (path: string) => `input-${path.replace(/[^\w-]/g, "_")}`;
export const problemId = (path: string) => `problem-${path.replace(/[^\w-]/g, "_")}`;

/** Focuses the field of `path`, or of the closest enclosing path that has one. */
export function focusField(path: string): boolean {
  const segs = path.split(".");
  while (segs.length) {
    const el = document.querySelector<HTMLElement>(`[data-testid="${fieldId(segs.join(".").replace(/["\\]/g, "\\$&"))}"]`);
    if (el) {
      el.scrollIntoView?.({ block: "center" });
      el.focus();
      return true;
    }
    segs.pop();
  }
  return false;
}
