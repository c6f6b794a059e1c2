/**
 * Operations: search as `hub.search` does, the schema of the one picked, and a "try it" form generated from its
 * input schema that calls it (`POST /api/v1/operations/{name}/call`) and shows the output or the error, with the
 * elapsed time and a Cancel button while a long call runs (cancelling aborts the call on the hub).
 */
import { ApiError, api } from "../api.ts";
import { h, heading, pill, replace, table } from "../dom.ts";
import { schemaForm } from "../form.ts";
import { can, type PageContext, problem, section } from "../page.ts";

interface Summary {
  name: string;
  type: string;
  title?: string;
  description: string;
  spoke: { name: string; live: boolean };
}
interface SchemaView extends Summary {
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** The operations page. */
export const operationsPage = (ctx: PageContext) => {
  const search = h("input", {
    id: "op-search",
    type: "search",
    name: "q",
    placeholder: "e.g. read file",
    value: ctx.params.get("q") ?? "",
  });
  const results = h("div", { "aria-live": "polite" });
  const detail = h("div", {});
  const form = h(
    "form",
    { class: "search", role: "search" },
    h("label", { for: "op-search" }, "Search operations"),
    search,
    h("button", { type: "submit" }, "Search"),
  );
  replace(
    ctx.root,
    heading("Operations"),
    form,
    h("div", { class: "split" }, section("Results", results), detail),
  );

  const find = async () => {
    const q = search.value.trim();
    try {
      const answer = await api<{ operations: Summary[] }>(
        "GET",
        q ? `/api/v1/operations?q=${encodeURIComponent(q)}` : "/api/v1/operations?limit=100",
        undefined,
        ctx.signal,
      );
      replace(
        results,
        table(
          "Operations found",
          ["Operation", "Type", "Spoke"],
          answer.operations.map((op) => [
            h(
              "a",
              { href: `#/operations?op=${encodeURIComponent(op.name)}&q=${encodeURIComponent(q)}` },
              op.name,
            ),
            op.type,
            [op.spoke.name, " ", op.spoke.live ? pill("live", "ok") : pill("offline", "muted")],
          ]),
          q ? `No operation matches "${q}".` : "No operations yet.",
        ),
      );
    } catch (error) {
      if (!ctx.signal.aborted) replace(results, problem("Operations", error));
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void find();
  });
  void find();
  const picked = ctx.params.get("op");
  if (picked) void showOperation(ctx, picked, detail);
};

async function showOperation(ctx: PageContext, name: string, box: HTMLElement): Promise<void> {
  let op: SchemaView;
  try {
    op = await api<SchemaView>(
      "GET",
      `/api/v1/operations/${encodeURIComponent(name)}`,
      undefined,
      ctx.signal,
    );
  } catch (error) {
    replace(box, problem(`Operation ${name}`, error));
    return;
  }
  const parts = [
    h("p", {}, op.title ? h("strong", {}, `${op.title}. `) : null, op.description),
    h(
      "p",
      {},
      pill(op.type, "muted"),
      " on spoke ",
      op.spoke.name,
      " ",
      op.spoke.live ? pill("live", "ok") : pill("offline", "muted"),
    ),
    h(
      "details",
      {},
      h("summary", {}, "Input schema"),
      h("pre", { class: "mono" }, JSON.stringify(op.inputSchema, null, 2)),
    ),
    op.outputSchema
      ? h(
          "details",
          {},
          h("summary", {}, "Output schema"),
          h("pre", { class: "mono" }, JSON.stringify(op.outputSchema, null, 2)),
        )
      : null,
  ];
  replace(box, section(`Operation ${op.name}`, parts, can(ctx.session, "call") ? tryIt(ctx, op) : null));
}

function tryIt(ctx: PageContext, op: SchemaView): HTMLElement {
  const generated = schemaForm(op.inputSchema as never, "try");
  const timeout = h("input", {
    id: "try-timeout",
    type: "number",
    min: 1,
    step: 1,
    value: 30,
    name: "timeout",
  });
  const run = h("button", { type: "submit" }, "Call");
  const cancel = h("button", { type: "button", class: "secondary", hidden: true }, "Cancel");
  const output = h("div", { class: "call-output", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "try-it", "aria-label": `Try ${op.name}` },
    h("h3", {}, "Try it"),
    generated.element,
    h("div", { class: "field" }, h("label", { for: "try-timeout" }, "Time limit (seconds)"), timeout),
    h("div", { class: "actions" }, run, cancel),
    output,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = generated.read();
    if (!input.ok) {
      replace(output, h("p", { class: "notice notice-bad", role: "alert" }, `Input: ${input.error}`));
      return;
    }
    const controller = new AbortController();
    const abort = () => controller.abort();
    ctx.signal.addEventListener("abort", abort, { once: true });
    const started = performance.now();
    const progress = h("progress", { "aria-label": "Call in progress" });
    const elapsed = h("span", {}, "0.0 s");
    replace(output, h("p", { class: "running" }, progress, " Calling… ", elapsed));
    const ticker = setInterval(() => {
      elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    }, 100);
    run.disabled = true;
    cancel.hidden = false;
    cancel.onclick = abort;
    const seconds = Math.max(1, Math.round(Number(timeout.value) || 30));
    try {
      const result = await api<unknown>(
        "POST",
        `/api/v1/operations/${encodeURIComponent(op.name)}/call?timeoutMs=${seconds * 1000}`,
        input.value,
        controller.signal,
      );
      const took = ((performance.now() - started) / 1000).toFixed(2);
      replace(
        output,
        h("p", { class: "call-ok" }, pill("ok", "ok"), ` in ${took} s`),
        h(
          "pre",
          { class: "mono result", tabindex: 0, "aria-label": "Result" },
          JSON.stringify(result, null, 2),
        ),
      );
      ctx.announce(`${op.name} answered`);
    } catch (error) {
      const text =
        error instanceof ApiError
          ? `${error.code}: ${error.message}`
          : controller.signal.aborted
            ? "Cancelled: the call was aborted."
            : String(error);
      replace(output, h("p", { class: "notice notice-bad", role: "alert" }, pill("error", "bad"), " ", text));
    } finally {
      clearInterval(ticker);
      ctx.signal.removeEventListener("abort", abort);
      run.disabled = false;
      cancel.hidden = true;
    }
  });
  return form;
}
