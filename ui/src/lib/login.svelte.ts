// The portal login prompt: a command that fails with `session.login_required` asks for a
// certificate and its PIN, logs in (`portal_login`) and runs again.
import { asDeskError } from "./api";

type Pending = { resolve: (ok: boolean) => void };

export const login = $state({ open: false });
let waiting: Pending[] = [];

function requestLogin(): Promise<boolean> {
  login.open = true;
  return new Promise((resolve) => waiting.push({ resolve }));
}

export function finishLogin(ok: boolean) {
  login.open = false;
  const w = waiting;
  waiting = [];
  w.forEach((p) => p.resolve(ok));
}

const LOGIN_REQUIRED = "session.login_required";

export async function withLogin<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (asDeskError(e).code !== LOGIN_REQUIRED) throw e;
    if (!(await requestLogin())) throw e;
    return await run();
  }
}
