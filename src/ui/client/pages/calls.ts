/** Calls: the audit trail, filtered by operation, spoke, key, outcome and time, a page at a time. */
import { api, type Page as ListPage, query } from "../api.ts";
import { field, h, heading, pill, replace, table, when } from "../dom.ts";
import { has, notAvailable, type PageContext, problem, section } from "../page.ts";

interface CallRow {
  id: string;
  requestId: string;
  operation: string;
  spoke: string | null;
  callerKeyId: string | null;
  outcome: string;
  errorCode: string | null;
  startedAt: string;
  durationMs: number | null;
}

const PAGE_SIZE = 50;

/** The calls page. */
export const callsPage = (ctx: PageContext) => {
  const input = (name: string, type = "text") => h("input", { id: `calls-${name}`, name, type });
  const operation = input("operation");
  const spoke = input("spoke");
  const key = input("key");
  const outcome = h(
    "select",
    { id: "calls-outcome", name: "outcome" },
    ["", "ok", "error", "aborted", "timeout"].map((v) => h("option", { value: v }, v || "any")),
  );
  const since = input("since", "datetime-local");
  const until = input("until", "datetime-local");
  const filters = h(
    "form",
    { class: "filters", "aria-label": "Filter calls" },
    field("Operation", operation),
    field("Spoke", spoke),
    field("Key id", key),
    field("Outcome", outcome),
    field("Since", since),
    field("Until", until),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Apply")),
  );
  const results = h("div", {}, "Loading…");
  const pager = h("div", { class: "pager" });
  replace(ctx.root, heading("Calls"), filters, section("Audit trail", results, pager));

  // Cursors of the pages seen so far: "Newer" goes back one, "Older" follows nextCursor.
  const cursors: (string | null)[] = [null];
  const load = async () => {
    if (!has(ctx.session, "GET /calls")) {
      replace(results, notAvailable("The call audit"));
      return;
    }
    const iso = (value: string) => (value ? new Date(value).toISOString() : undefined);
    try {
      const page = await api<ListPage<CallRow>>(
        "GET",
        `/api/v1/calls${query({
          operation: operation.value.trim(),
          spoke: spoke.value.trim(),
          key: key.value.trim(),
          outcome: outcome.value,
          since: iso(since.value),
          until: iso(until.value),
          limit: PAGE_SIZE,
          cursor: cursors.at(-1),
        })}`,
        undefined,
        ctx.signal,
      );
      replace(
        results,
        table(
          "Calls",
          ["Started", "Operation", "Spoke", "Key", "Outcome", "Duration", "Error"],
          page.items.map((call) => [
            when(call.startedAt),
            h("code", {}, call.operation),
            call.spoke ?? "—",
            call.callerKeyId ? h("code", {}, call.callerKeyId) : "—",
            pill(call.outcome, call.outcome === "ok" ? "ok" : call.outcome === "error" ? "bad" : "warn"),
            call.durationMs === null ? "—" : `${call.durationMs} ms`,
            call.errorCode ?? "",
          ]),
          "No calls match.",
        ),
      );
      const newer = h(
        "button",
        { type: "button", class: "secondary", disabled: cursors.length <= 1 },
        "Newer",
      );
      const older = h("button", { type: "button", class: "secondary", disabled: !page.nextCursor }, "Older");
      newer.addEventListener("click", () => {
        cursors.pop();
        void load();
      });
      older.addEventListener("click", () => {
        cursors.push(page.nextCursor);
        void load();
      });
      replace(pager, newer, h("span", {}, `Page ${cursors.length}`), older);
    } catch (error) {
      if (!ctx.signal.aborted) replace(results, problem("The call audit", error));
    }
  };
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    cursors.length = 1;
    void load();
  });
  void load();
};
callsPage satisfies (ctx: PageContext) => void;
