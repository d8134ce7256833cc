// The one place that talks to the Tauri shell: a typed wrapper per command of the contract
// in src-tauri/README.md (snake_case argument names), and one per event.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AppInfo,
  DossierDetail,
  DossierKind,
  DraftView,
  FieldSet,
  FiledRow,
  Home,
  NiceHit,
  OutboxRow,
  PreviewForm,
  ProcedureView,
  Profile,
  ProfileDoc,
  ProfileRow,
  ProfileSaved,
  Progress,
  Report,
  RunView,
  SealOutcome,
  SessionView,
  Settings,
  SignerRef,
  StatusSync,
  Text,
  TokenView,
} from "./bindings";

/** How a failed command rejects (the contract's error shape). */
export type DeskError = { code: string; message: Text; report: Report | null };

export function isDeskError(e: unknown): e is DeskError {
  if (typeof e !== "object" || e === null) return false;
  const o = e as Record<string, unknown>;
  const m = o.message as Record<string, unknown> | null;
  return (
    typeof o.code === "string" &&
    typeof m === "object" &&
    m !== null &&
    typeof m.vi === "string" &&
    typeof m.en === "string"
  );
}

/** Anything a command threw, as a DeskError (an unexpected rejection becomes `internal`). */
export function asDeskError(e: unknown): DeskError {
  if (isDeskError(e)) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return { code: "internal", message: { vi: detail, en: detail }, report: null };
}

/** Why a run stopped early, as a DeskError for the ErrorBanner; `null` when it did not stop. */
export const runStopped = (run: RunView): DeskError | null =>
  run.stopped ? { code: run.stopped.code, message: run.stopped.message, report: null } : null;

export type SettingsPick = "data_dir" | "trust_anchors" | "pkcs11_module";

// app
export const appInfo = () => invoke<AppInfo>("app_info");
export const storeLocked = () => invoke<boolean>("store_locked");
export const storeUnlock = (passphrase: string) => invoke<null>("store_unlock", { passphrase });
export const settingsGet = () => invoke<Settings>("settings_get");
export const settingsSet = (settings: Settings) => invoke<Settings>("settings_set", { settings });
export const settingsPick = (what: SettingsPick) => invoke<string | null>("settings_pick", { what });

// profiles
export const profilesList = () => invoke<ProfileRow[]>("profiles_list");
export const profileGet = (id: number) => invoke<ProfileDoc>("profile_get", { id });
export const profileCheck = (profile: Profile) => invoke<Report>("profile_check", { profile });
export const profileSave = (id: number | null, profile: Profile) =>
  invoke<ProfileSaved>("profile_save", { id, profile });

// catalog
export const procedures = () => invoke<ProcedureView[]>("procedures");
export const niceSearch = (query: string) => invoke<NiceHit[]>("nice_search", { query });

// drafts
export const home = () => invoke<Home>("home");
export const draftNew = (kind: DossierKind, profile_id: number | null) =>
  invoke<DraftView>("draft_new", { kind, profile_id });
export const draftGet = (draft_id: number) => invoke<DraftView>("draft_get", { draft_id });
export const draftSet = (draft_id: number, sets: FieldSet[]) =>
  invoke<DraftView>("draft_set", { draft_id, sets });
export const draftRestore = (draft_id: number, rev: number) =>
  invoke<DraftView>("draft_restore", { draft_id, rev });
export const draftFillGtins = (draft_id: number) =>
  invoke<DraftView>("draft_fill_gtins", { draft_id });
export const attachPick = (draft_id: number, slot: string) =>
  invoke<DraftView>("attach_pick", { draft_id, slot });
export const attachDropped = (draft_id: number, slot: string, drop_id: number) =>
  invoke<DraftView>("attach_dropped", { draft_id, slot, drop_id });
export const detach = (draft_id: number, which: string) =>
  invoke<DraftView>("detach", { draft_id, which });
export const attachmentImage = (sha256: string) => invoke<string>("attachment_image", { sha256 });
export const preview = (draft_id: number) => invoke<PreviewForm[]>("preview", { draft_id });

// signing
export const tokens = (draft_id: number | null) => invoke<TokenView[]>("tokens", { draft_id });
export const seal = (draft_ids: number[], signer: SignerRef, secret: string, submit: boolean) =>
  invoke<SealOutcome>("seal", { draft_ids, signer, secret, submit });
export const containerExport = (draft_id: number) =>
  invoke<string | null>("container_export", { draft_id });
export const containerImport = () => invoke<OutboxRow | null>("container_import");

// filing
export const outboxRun = () => invoke<RunView>("outbox_run");
export const portalLogin = (signer: SignerRef, secret: string) =>
  invoke<SessionView>("portal_login", { signer, secret });
export const statusSync = () => invoke<StatusSync>("status_sync");
export const dossierGet = (number: string) => invoke<DossierDetail>("dossier_get", { number });
export const supplementOpen = (number: string) => invoke<DraftView>("supplement_open", { number });

// events
export type FilesDropped = { drop_id: number; names: string[]; x: number; y: number };

export const onProgress = (cb: (p: Progress) => void): Promise<UnlistenFn> =>
  listen<Progress>("progress", (e) => cb(e.payload));
export const onStatusChanged = (cb: (row: FiledRow) => void): Promise<UnlistenFn> =>
  listen<FiledRow>("status-changed", (e) => cb(e.payload));
export const onFilesDropped = (cb: (d: FilesDropped) => void): Promise<UnlistenFn> =>
  listen<FilesDropped>("files-dropped", (e) => cb(e.payload));
export const onTokensChanged = (cb: () => void): Promise<UnlistenFn> =>
  listen<null>("tokens-changed", () => cb());

/** Subscribes from a component's `$effect`: returns the cleanup that unlistens. */
export function subscribe(p: Promise<UnlistenFn>): () => void {
  let un: UnlistenFn | null = null;
  let gone = false;
  p.then((f) => {
    if (gone) f();
    else un = f;
  }).catch(() => {});
  return () => {
    gone = true;
    un?.();
  };
}
