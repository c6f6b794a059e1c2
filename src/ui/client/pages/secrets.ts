/** Secrets: names, versions and last use of client secrets; set and delete. Values are never shown. */
import { api, query } from "../api.ts";
import { ago, field, h, heading, replace, table, when } from "../dom.ts";
import { has, notAvailable, type PageContext, problem, section } from "../page.ts";

interface SecretView {
  account: string;
  client: string;
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

const path = (s: { account: string; client: string; name: string }) =>
  `/api/v1/secrets/${[s.account, s.client, s.name].map(encodeURIComponent).join("/")}`;

/** The secrets page. */
export const secretsPage = (ctx: PageContext) => {
  const list = h("div", {}, "Loading…");
  const account = h("input", { id: "secret-account", name: "account", required: true });
  const client = h("input", { id: "secret-client", name: "client", required: true });
  const name = h("input", { id: "secret-name", name: "name", required: true });
  const value = h("input", {
    id: "secret-value",
    name: "value",
    type: "password",
    required: true,
    autocomplete: "off",
  });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "set-secret-title" },
    h("h2", { id: "set-secret-title" }, "Set a secret"),
    h(
      "div",
      { class: "form-grid" },
      field("Account", account),
      field("Client", client),
      field("Name", name),
      field("Value", value, "Sealed with the data key; never shown again"),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set secret")),
    error,
  );
  replace(
    ctx.root,
    heading("Secrets"),
    has(ctx.session, "PUT /secrets/{account}/{client}/{name}") ? form : null,
    section("Client secrets", list),
  );

  const load = async () => {
    if (!has(ctx.session, "GET /secrets")) {
      replace(list, notAvailable("Client secrets"));
      return;
    }
    try {
      const page = await api<{ items: SecretView[] }>(
        "GET",
        `/api/v1/secrets${query({ limit: 500 })}`,
        undefined,
        ctx.signal,
      );
      replace(
        list,
        table(
          "Client secrets",
          ["Account", "Client", "Name", "Version", "Updated", "Last used", ""],
          page.items.map((secret) => [
            secret.account,
            secret.client,
            h("code", {}, secret.name),
            `v${secret.version}`,
            when(secret.updatedAt),
            ago(secret.lastUsedAt),
            h(
              "button",
              {
                type: "button",
                class: "danger",
                hidden: !has(ctx.session, "DELETE /secrets/{account}/{client}/{name}"),
                "aria-label": `Delete secret ${secret.name} of ${secret.account}/${secret.client}`,
                onclick: async () => {
                  if (!window.confirm(`Delete secret ${secret.account}/${secret.client}/${secret.name}?`))
                    return;
                  await api("DELETE", path(secret)).catch((caught: unknown) => ctx.announce(String(caught)));
                  await load();
                },
              },
              "Delete",
            ),
          ]),
          "No client secrets.",
        ),
      );
    } catch (caught) {
      if (!ctx.signal.aborted) replace(list, problem("Secrets", caught));
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api(
        "PUT",
        path({ account: account.value.trim(), client: client.value.trim(), name: name.value.trim() }),
        {
          value: value.value,
        },
      );
      value.value = "";
      ctx.announce(`Secret ${name.value} set`);
      await load();
    } catch (caught) {
      error.textContent = `Could not set the secret: ${caught instanceof Error ? caught.message : caught}`;
    }
  });
  void load();
};
