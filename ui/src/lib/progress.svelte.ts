// The last `progress` event of every task and item, for the bars on any screen.
import type { Progress } from "./bindings";

export const progress = $state({ byKey: {} as Record<string, Progress> });

export const progressKey = (task: string, item?: string | null) => `${task}|${item ?? ""}`;

export function record(p: Progress) {
  progress.byKey[progressKey(p.task, p.item)] = p;
}

export function forTask(task: string): Progress[] {
  return Object.values(progress.byKey).filter((p) => p.task === task);
}

export function clearTask(task: string) {
  for (const k of Object.keys(progress.byKey)) {
    if (k.startsWith(`${task}|`)) delete progress.byKey[k];
  }
}

/** The progress of an item, whatever the task calls it (outbox id, file name, draft id). */
export function findItem(...items: (string | number | null | undefined)[]): Progress | undefined {
  const wanted = new Set(items.filter((i) => i !== null && i !== undefined).map(String));
  return Object.values(progress.byKey).find((p) => p.item !== null && wanted.has(String(p.item)));
}
