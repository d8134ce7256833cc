// Which screen is shown, and whether it finished loading (`data-ready` on <main>).
export type Screen =
  | "home"
  | "profiles"
  | "new"
  | "editor"
  | "preview"
  | "sign"
  | "filing"
  | "dossier"
  | "settings";

export type Route = {
  screen: Screen;
  draftId?: number;
  draftIds?: number[];
  number?: string;
};

export const nav = $state({ route: { screen: "home" } as Route, ready: false, seq: 0 });

export function go(route: Route) {
  nav.ready = false;
  nav.route = route;
  nav.seq += 1;
}

export function markReady() {
  nav.ready = true;
}
