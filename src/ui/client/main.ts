/**
 * The operator dashboard: sign-in, the navigation and a hash router over the pages. Served at /ui by the hub,
 * bundled into the binary (scripts/gen-ui.ts); everything it shows comes from /api/v1 with the session cookie.
 */
import { ApiError, api, whenSignedOut } from "./api.ts";
import { h, replace } from "./dom.ts";
import { can, type Page, type SessionInfo } from "./page.ts";
import { callsPage } from "./pages/calls.ts";
import { keysPage } from "./pages/keys.ts";
import { operationsPage } from "./pages/operations.ts";
import { overviewPage } from "./pages/overview.ts";
import { secretsPage } from "./pages/secrets.ts";
import { spokesPage } from "./pages/spokes.ts";

interface Route {
  path: string;
  title: string;
  page: Page;
  /** Shown only to keys with this scope. */
  scope?: "admin";
}

const ROUTES: Route[] = [
  { path: "overview", title: "Overview", page: overviewPage },
  { path: "spokes", title: "Spokes", page: spokesPage },
  { path: "operations", title: "Operations", page: operationsPage },
  { path: "calls", title: "Calls", page: callsPage, scope: "admin" },
  { path: "keys", title: "Keys", page: keysPage, scope: "admin" },
  { path: "secrets", title: "Secrets", page: secretsPage, scope: "admin" },
];

const app = document.getElementById("app") as HTMLElement;
let session: SessionInfo | undefined;
let leave: AbortController | undefined;
/** How often an open dashboard asks who is signed in: the answer renews a half-spent session cookie. */
const RENEW_EVERY_MS = 10 * 60 * 1000;

setInterval(async () => {
  if (!session) return;
  const answer = await api<{ signedIn: boolean }>("GET", "/ui/session").catch(() => undefined);
  if (answer && !answer.signedIn && session) {
    showSignIn("Your session ended (expired, or the key was revoked or disabled). Sign in again.");
  }
}, RENEW_EVERY_MS);

whenSignedOut(() => {
  if (session) showSignIn("Your session ended (expired, signed out, or the key was revoked). Sign in again.");
});

async function boot(): Promise<void> {
  const answer = await api<{ signedIn: false } | (SessionInfo & { signedIn: true })>(
    "GET",
    "/ui/session",
  ).catch(() => ({ signedIn: false as const }));
  if (answer.signedIn) {
    session = answer;
    showApp();
  } else showSignIn();
}

function showSignIn(message?: string): void {
  session = undefined;
  leave?.abort();
  const input = h("input", {
    id: "api-key",
    name: "api-key",
    type: "password",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
  });
  const status = h("p", { class: "form-error", role: "alert" }, message ?? "");
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "sign-in card", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "alkhub dashboard"),
    h(
      "p",
      {},
      "Sign in with an API key. The key is exchanged for a session cookie and is not kept in the browser.",
    ),
    h("div", { class: "field" }, h("label", { for: "api-key" }, "API key"), input),
    button,
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "";
    try {
      session = await api<SessionInfo>("POST", "/ui/session", { key: input.value });
      input.value = "";
      if (!location.hash || location.hash === "#/") location.hash = "#/overview";
      showApp();
    } catch (error) {
      status.textContent =
        error instanceof ApiError && error.status === 401
          ? "That key was refused (unknown, revoked, disabled or expired)."
          : `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  replace(app, h("main", { id: "main", class: "sign-in-page" }, form));
  input.focus();
}

function showApp(): void {
  const current = session as SessionInfo;
  const routes = ROUTES.filter((route) => !route.scope || can(current, route.scope));
  const nav = h(
    "nav",
    { "aria-label": "Pages" },
    h(
      "ul",
      {},
      routes.map((route) =>
        h("li", {}, h("a", { href: `#/${route.path}`, "data-path": route.path }, route.title)),
      ),
    ),
  );
  const signOut = h("button", { type: "button", class: "secondary" }, "Sign out");
  signOut.addEventListener("click", async () => {
    await api("DELETE", "/ui/session").catch(() => undefined);
    showSignIn("Signed out.");
  });
  const main = h("main", { id: "main", tabindex: -1 });
  const live = h("div", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  replace(
    app,
    h("a", { class: "skip-link", href: "#main" }, "Skip to content"),
    h(
      "header",
      { class: "top" },
      h("span", { class: "brand" }, "alkhub"),
      nav,
      h(
        "div",
        { class: "who" },
        h("span", { title: `key ${current.keyId}` }, `${current.account} · ${current.scopes.join(", ")}`),
        signOut,
      ),
    ),
    main,
    live,
  );
  // The skip link must not change the route.
  app.querySelector(".skip-link")?.addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  const render = () => {
    if (!session) return;
    const [path = "overview", search = ""] = location.hash.replace(/^#\/?/, "").split("?");
    const route = routes.find((candidate) => candidate.path === path) ?? routes[0]!;
    for (const link of nav.querySelectorAll("a")) {
      if (link.dataset.path === route.path) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    leave?.abort();
    leave = new AbortController();
    document.title = `${route.title} · alkhub`;
    main.replaceChildren();
    void route.page({
      root: main,
      session: current,
      signal: leave.signal,
      params: new URLSearchParams(search),
      announce: (message) => {
        live.textContent = message;
      },
    });
  };
  window.onhashchange = () => {
    render();
    // Moving to another page moves the focus to its title, so keyboard and screen-reader users start there.
    requestAnimationFrame(() => main.querySelector<HTMLElement>("h1")?.focus());
  };
  render();
}

void boot();
