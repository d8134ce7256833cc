/** Calls `fn` once `ms` have passed without another call; `cancel` drops the waiting call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: A | null = null;
  const run = () => {
    timer = null;
    if (last) {
      const a = last;
      last = null;
      fn(...a);
    }
  };
  const call = (...args: A) => {
    last = args;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  call.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    last = null;
  };
  return call;
}

/** The value at a dotted path (`goods.0.items`) of a JSON document. */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const seg of path.split(".")) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (typeof cur === "object") cur = (cur as Record<string, unknown>)[seg];
    else return undefined;
  }
  return cur;
}

/** Writes `value` at a dotted path, creating objects and lists on the way. */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown) {
  const segs = path.split(".");
  let cur: Record<string, unknown> | unknown[] = doc;
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    const key: string | number = Array.isArray(cur) ? Number(seg) : seg;
    const c = cur as Record<string | number, unknown>;
    if (last) {
      c[key] = value;
      return;
    }
    if (c[key] === null || typeof c[key] !== "object") {
      c[key] = /^\d+$/.test(segs[i + 1]) ? [] : {};
    }
    cur = c[key] as Record<string, unknown>;
  });
}

/** Test id of a field path: `field-applicant.tax_code`. */
export const fieldId = (path: string) => `field-${path}`;
