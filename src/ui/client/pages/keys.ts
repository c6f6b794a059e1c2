/** Keys: create with scopes and globs (the secret shown once, with a copy button), list, disable, revoke. */
import { api, query } from "../api.ts";
import { ago, field, h, heading, pill, replace, table } from "../dom.ts";
import { copyButton, has, type PageContext, problem, section } from "../page.ts";

interface KeyView {
  id: string;
  account?: string;
  accountId?: string;
  name: string;
  scopes: string[];
  spokeNames: string[];
  operations: string[];
  status?: string;
  enabled?: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const SCOPES = ["admin", "call", "read", "spoke"] as const;
const globs = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((g) => g.trim())
    .filter(Boolean);

/** The keys page. */
export const keysPage = (ctx: PageContext) => {
  const list = h("div", {}, "Loading…");
  const created = h("div", { "aria-live": "polite" });
  replace(
    ctx.root,
    heading("Keys"),
    createForm(ctx, created, () => void load()),
    created,
    section("All keys", list),
  );

  const load = async () => {
    try {
      const answer = await api<{ items?: KeyView[]; keys?: KeyView[] }>(
        "GET",
        `/api/v1/keys${query({ limit: 500 })}`,
        undefined,
        ctx.signal,
      );
      const keys = answer.items ?? answer.keys ?? [];
      replace(
        list,
        table(
          "API keys",
          ["Name", "Id", "Account", "Scopes", "Status", "Last used", "Actions"],
          keys.map((key) => {
            const status =
              key.status ?? (key.revokedAt ? "revoked" : key.enabled === false ? "disabled" : "active");
            return [
              key.name,
              h("code", {}, key.id),
              key.account ?? key.accountId ?? "—",
              key.scopes.join(", "),
              pill(status, status === "active" ? "ok" : status === "revoked" ? "bad" : "warn"),
              ago(key.lastUsedAt),
              status === "revoked" ? "" : actions(ctx, key, status, load),
            ];
          }),
          "No keys.",
        ),
      );
    } catch (error) {
      if (!ctx.signal.aborted) replace(list, problem("Keys", error));
    }
  };
  void load();
};

function actions(ctx: PageContext, key: KeyView, status: string, reload: () => Promise<void>): HTMLElement {
  const act = (label: string, run: () => Promise<unknown>, confirmText?: string) =>
    h(
      "button",
      {
        type: "button",
        class: label === "Revoke" ? "danger" : "secondary",
        "aria-label": `${label} key ${key.name}`,
        onclick: async () => {
          if (confirmText && !window.confirm(confirmText)) return;
          try {
            await run();
            ctx.announce(`${label}: key ${key.name}`);
          } catch (error) {
            ctx.announce(`${label} failed: ${error instanceof Error ? error.message : error}`);
          }
          await reload();
        },
      },
      label,
    );
  const path = `/api/v1/keys/${encodeURIComponent(key.id)}`;
  return h(
    "div",
    { class: "row-actions" },
    !has(ctx.session, "PATCH /keys/{id}")
      ? null
      : status === "disabled"
        ? act("Enable", () => api("PATCH", path, { enabled: true }))
        : act("Disable", () => api("PATCH", path, { enabled: false })),
    act(
      "Revoke",
      () => api("DELETE", path),
      `Revoke key "${key.name}"? Its connections and sessions end at once.`,
    ),
  );
}

function createForm(ctx: PageContext, shown: HTMLElement, reload: () => void): HTMLElement {
  const name = h("input", { id: "key-name", name: "name", required: true, maxlength: 200 });
  const account = h("input", { id: "key-account", name: "account", placeholder: "admin" });
  const boxes = SCOPES.map((scope) =>
    h("input", { type: "checkbox", id: `key-scope-${scope}`, name: "scopes", value: scope }),
  );
  const spokeNames = h("input", { id: "key-spokes", name: "spokeNames", placeholder: "dev*, build-*" });
  const operations = h("input", { id: "key-operations", name: "operations", placeholder: "*" });
  const expires = h("input", { id: "key-expires", name: "expiresAt", type: "datetime-local" });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "card create-key", "aria-labelledby": "create-key-title" },
    h("h2", { id: "create-key-title" }, "Create a key"),
    h(
      "div",
      { class: "form-grid" },
      field("Name", name),
      field("Account", account, "Default: admin"),
      h(
        "fieldset",
        {},
        h("legend", {}, "Scopes"),
        boxes.map((box) => h("span", { class: "check" }, box, h("label", { for: box.id }, box.value))),
      ),
      field("Spoke names (globs)", spokeNames, "For scope spoke: which names it may register"),
      field("Operations (globs)", operations, "For scope call: which operations it may call; default *"),
      field("Expires", expires, "Optional"),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create key")),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const scopes = boxes.filter((box) => box.checked).map((box) => box.value);
    if (scopes.length === 0) {
      error.textContent = "Pick at least one scope.";
      return;
    }
    const body: Record<string, unknown> = { name: name.value.trim(), scopes };
    if (account.value.trim()) body.account = account.value.trim();
    if (spokeNames.value.trim()) body.spokeNames = globs(spokeNames.value);
    if (operations.value.trim()) body.operations = globs(operations.value);
    if (expires.value) body.expiresAt = new Date(expires.value).toISOString();
    try {
      const key = await api<KeyView & { key: string }>("POST", "/api/v1/keys", body);
      const secret = h("code", { class: "secret", id: "new-key-secret" }, key.key);
      replace(
        shown,
        h(
          "div",
          { class: "card secret-once", role: "status" },
          h("h2", {}, `Key "${key.name}" created`),
          h("p", {}, "Copy the key now: it is shown this once and cannot be read again."),
          h("p", { class: "secret-row" }, secret, copyButton(key.key, "Copy key")),
          h("button", { type: "button", class: "secondary", onclick: () => replace(shown) }, "Done, hide it"),
        ),
      );
      form.reset();
      ctx.announce(`Key ${key.name} created`);
      reload();
    } catch (caught) {
      error.textContent = `Could not create the key: ${caught instanceof Error ? caught.message : caught}`;
    }
  });
  return form;
}
