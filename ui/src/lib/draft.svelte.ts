// One open draft: the document as typed (local, so typing never waits for Rust), the edits not
// yet sent, and the last DraftView that came back (problems, fees, slots, revisions).
import type { DraftView, FieldSet, Problem } from "./bindings";
import { asDeskError, draftSet, type DeskError } from "./api";
import { problemsAt, problemsUnder } from "./fields";
import { getPath, setPath } from "./util";

export type SaveState = "saved" | "pending" | "saving" | "error";

export const SAVE_DELAY_MS = 400;

export class DraftSession {
  view = $state<DraftView>() as DraftView;
  doc = $state<Record<string, unknown>>({});
  saveState = $state<SaveState>("saved");
  error = $state<DeskError | null>(null);

  private pending = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(view: DraftView) {
    this.apply(view, true);
  }

  get id(): number {
    return Number(this.view.id);
  }

  get problems(): Problem[] {
    return this.view.report?.problems ?? [];
  }

  /** Problems whose path is exactly `path`. */
  problemsAt(path: string): Problem[] {
    return problemsAt(this.problems, path);
  }

  /** Problems of `path` and of everything under it. */
  problemsUnder(path: string): Problem[] {
    return problemsUnder(this.problems, path);
  }

  value(path: string): unknown {
    return getPath(this.doc, path);
  }

  /** Takes a DraftView from Rust; the local document follows it unless edits are waiting. */
  apply(view: DraftView, force = false) {
    this.view = view;
    if (force || this.pending.size === 0) {
      this.doc = structuredClone(view.dossier as unknown as Record<string, unknown>);
    }
  }

  /** Records an edit; it is sent after SAVE_DELAY_MS without further typing. */
  set(path: string, local: unknown, wire: string) {
    setPath(this.doc, path, local);
    // A later edit goes last; a whole-list edit replaces the edits of its rows.
    for (const k of [...this.pending.keys()]) {
      if (k === path || k.startsWith(`${path}.`)) this.pending.delete(k);
    }
    this.pending.set(path, wire);
    this.saveState = "pending";
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  /** Sends every waiting edit as one revision. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) {
      await this.inFlight;
    }
    if (this.pending.size === 0) return;
    const sets: FieldSet[] = [...this.pending].map(([path, value]) => ({ path, value }));
    this.pending.clear();
    this.saveState = "saving";
    this.inFlight = (async () => {
      try {
        const view = await draftSet(this.id, sets);
        this.error = null;
        this.apply(view);
        this.saveState = this.pending.size ? "pending" : "saved";
      } catch (e) {
        this.error = asDeskError(e);
        this.saveState = "error";
      }
    })();
    await this.inFlight;
    this.inFlight = null;
    if (this.pending.size) await this.flush();
  }

  /** Runs a command that returns a new DraftView (attach, restore, GTINs) after pending edits. */
  async run(cmd: () => Promise<DraftView>): Promise<boolean> {
    await this.flush();
    try {
      this.apply(await cmd(), true);
      this.error = null;
      return true;
    } catch (e) {
      this.error = asDeskError(e);
      return false;
    }
  }

  dispose() {
    void this.flush();
  }
}
