// TEMPORARY: types of commands whose Rust side lands separately (nice_search, preview).
// The integrator deletes this file once bindings.ts generates them.
import type { Text } from "./bindings";

export type NiceHit = { class: number; heading: Text; items: Text[] };
export type PreviewForm = { name: string; file_name: string; pages: string[] };
