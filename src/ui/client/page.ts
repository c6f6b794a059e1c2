/** What every page receives, and helpers pages share. */
import { ApiError } from "./api.ts";
import { type Child, h } from "./dom.ts";

/** Who is signed in (`GET /ui/session`). */
export interface SessionInfo {
  keyId: string;
  account: string;
  scopes: string[];
  operations: string[];
  expiresAt: string;
  /** The `/api/v1` routes this hub serves, as `"GET /keys/{id}"`. */
  routes: string[];
}

/** A page's surroundings. */
export interface PageContext {
  /** Where the page draws. */
  root: HTMLElement;
  session: SessionInfo;
  /** Aborted when the user leaves the page: stop timers and streams. */
  signal: AbortSignal;
  /** The query part of the hash route (`#/operations?op=dev1.echo`). */
  params: URLSearchParams;
  /** Says something to screen readers (and shows it briefly). */
  announce(message: string): void;
}

/** A page: draws into `ctx.root`. */
export type Page = (ctx: PageContext) => void | Promise<void>;

/** Whether the session's key has `scope` (admin implies every scope). */
export function can(session: SessionInfo, scope: "admin" | "call" | "read" | "spoke"): boolean {
  return session.scopes.includes("admin") || session.scopes.includes(scope);
}

/** Whether the hub serves `route` (`"GET /stats"`); an older hub, or one built without a part, may not. */
export function has(session: SessionInfo, route: string): boolean {
  return session.routes.includes(route);
}

/** The "not available on this hub" notice for a part whose route is missing. */
export function notAvailable(what: string): HTMLElement {
  return h("p", { class: "notice" }, `${what} is not available on this hub.`);
}

/** Runs `task` now and every `ms` until `signal` aborts; a failing run does not stop the next. */
export function every(ms: number, signal: AbortSignal, task: () => Promise<void>): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    if (signal.aborted) return;
    try {
      await task();
    } finally {
      if (!signal.aborted) timer = setTimeout(run, ms);
    }
  };
  signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  void run();
}

/** What a page shows in place of a part the hub cannot give: missing route, missing right, or an error. */
export function problem(what: string, error: unknown): HTMLElement {
  if (error instanceof ApiError && error.notAvailable) return notAvailable(what);
  if (error instanceof ApiError && error.status === 403) {
    return h("p", { class: "notice" }, `${what}: this key may not see it (${error.message}).`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return h("p", { class: "notice notice-bad", role: "alert" }, `${what} could not be loaded: ${message}`);
}

/** A section with a heading. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card", "aria-label": title }, h("h2", {}, title), children);
}

/** A copy-to-clipboard button for `text`. */
export function copyButton(text: string, label = "Copy"): HTMLButtonElement {
  const button = h("button", { type: "button", class: "secondary" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy by hand";
    }
  });
  return button;
}
