/** Spokes: live and recently gone, host info, heartbeat age, operations, calls in flight; live over SSE. */
import { api } from "../api.ts";
import { ago, h, heading, pill, replace, table } from "../dom.ts";
import { followEvents } from "../events.ts";
import { can, every, has, type PageContext, problem, section } from "../page.ts";

/** A spoke as the admin API lists it (older hubs send `live` and fewer fields). */
interface SpokeView {
  name: string;
  account?: string;
  status?: "online" | "offline";
  live?: boolean;
  kind?: string | null;
  version?: string | null;
  hostInfo?: Record<string, unknown> | null;
  connectedAt?: string | null;
  disconnectedAt?: string | null;
  heartbeatAgeMs?: number | null;
  operations: number;
  inFlight?: number | null;
  disabled?: boolean;
}
interface SpokeDetail extends SpokeView {
  operationList?: { name: string; type: string; title?: string; description?: string }[];
}

const isLive = (spoke: SpokeView) => spoke.status === "online" || spoke.live === true;

/** The spokes page: a table refreshed on every catalog event (or every 5 s without the stream). */
export const spokesPage = (ctx: PageContext) => {
  const liveState = h("span", { class: "hint", id: "live-state" }, "connecting…");
  const list = h("div", {}, "Loading…");
  const detail = h("div", {});
  replace(ctx.root, heading("Spokes", liveState), section("Spokes", list), detail);
  const admin = can(ctx.session, "admin");
  let pending: ReturnType<typeof setTimeout> | undefined;

  const load = async () => {
    try {
      const answer = await api<{ items?: SpokeView[]; spokes?: SpokeView[] }>(
        "GET",
        "/api/v1/spokes?status=all",
      );
      const rows = answer.items ?? answer.spokes ?? [];
      rows.sort((a, b) => Number(isLive(b)) - Number(isLive(a)) || a.name.localeCompare(b.name));
      replace(
        list,
        table(
          "Spokes",
          ["Name", "Status", "Host", "Heartbeat", "Operations", "In flight", "Since"],
          rows.map((spoke) => [
            h(
              "button",
              {
                type: "button",
                class: "link",
                "data-spoke": spoke.name,
                onclick: () => void show(spoke.name),
              },
              spoke.name,
            ),
            [
              isLive(spoke) ? pill("online", "ok") : pill("offline", "muted"),
              spoke.disabled ? pill("disabled", "bad") : null,
            ],
            hostText(spoke),
            spoke.heartbeatAgeMs === undefined || spoke.heartbeatAgeMs === null
              ? "—"
              : ago(spoke.heartbeatAgeMs),
            spoke.operations,
            spoke.inFlight ?? "—",
            isLive(spoke) ? ago(spoke.connectedAt) : `gone ${ago(spoke.disconnectedAt)}`,
          ]),
          "No spokes yet. Connect one with the SDK (docs/spoke-sdk.md).",
        ),
      );
    } catch (error) {
      replace(list, problem("Spokes", error));
    }
  };

  const show = async (name: string) => {
    if (!has(ctx.session, "GET /spokes/{name}")) return;
    try {
      const spoke = await api<SpokeDetail>("GET", `/api/v1/spokes/${encodeURIComponent(name)}`);
      const action = (label: string, path: string) =>
        has(ctx.session, `POST /spokes/{name}/${path}`) &&
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: async () => {
              await api("POST", `/api/v1/spokes/${encodeURIComponent(name)}/${path}`).catch(
                (error: unknown) =>
                  ctx.announce(`${label} failed: ${error instanceof Error ? error.message : error}`),
              );
              ctx.announce(`${label}: ${name}`);
              await Promise.all([load(), show(name)]);
            },
          },
          label,
        );
      replace(
        detail,
        section(
          `Spoke ${spoke.name}`,
          h(
            "dl",
            { class: "facts" },
            fact("Account", spoke.account ?? "—"),
            fact("Kind / version", `${spoke.kind ?? "—"} ${spoke.version ?? ""}`),
            fact("Host", hostText(spoke)),
            fact("Connected", ago(spoke.connectedAt)),
          ),
          admin
            ? h(
                "div",
                { class: "actions" },
                isLive(spoke) ? action("Disconnect", "disconnect") : null,
                spoke.disabled ? action("Enable", "enable") : action("Disable", "disable"),
              )
            : null,
          table(
            `Operations of ${spoke.name}`,
            ["Operation", "Type", "Description"],
            (spoke.operationList ?? []).map((op) => [
              h("a", { href: `#/operations?op=${encodeURIComponent(op.name)}` }, op.name),
              op.type,
              op.title ?? op.description ?? "",
            ]),
          ),
        ),
      );
      (detail.querySelector("h2") as HTMLElement | null)?.focus();
    } catch (error) {
      replace(detail, problem(`Spoke ${name}`, error));
    }
  };

  const soon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => void load(), 150);
  };
  if (has(ctx.session, "GET /events"))
    followEvents(
      ["catalog"],
      ctx.signal,
      (event) => {
        if (event.type === "catalog") {
          soon();
          const data = event.data as { kind?: string; spoke?: string };
          if (data.kind && data.spoke) ctx.announce(`${data.spoke}: ${data.kind.replace("spoke.", "")}`);
        }
      },
      (live) => {
        liveState.textContent = live ? "Live updates on" : "Refreshing every 5 s";
      },
    );
  else liveState.textContent = "Refreshing every 5 s";
  every(5000, ctx.signal, load);
  ctx.signal.addEventListener("abort", () => clearTimeout(pending));
};

function fact(term: string, value: string) {
  return [h("dt", {}, term), h("dd", {}, value)];
}

function hostText(spoke: SpokeView): string {
  const info = spoke.hostInfo;
  if (!info) return "—";
  const parts = [info.hostname, info.platform, info.arch, info.runtime].filter(
    (part) => typeof part === "string" && part !== "",
  );
  if (parts.length) return parts.join(" · ");
  return Object.keys(info).length ? JSON.stringify(info).slice(0, 80) : "—";
}
