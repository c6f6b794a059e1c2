import type { SpokeOperationView, SpokeView } from "../admin/index.ts";
import { EXIT_CODES } from "../errors.ts";
import {
  type AdminWork,
  adminCommand,
  EXIT_HELP,
  formatTable,
  listWork,
  minute,
  type OpenTarget,
  oneOf,
  printJson,
  TARGET_HELP,
  usageError,
} from "./admin-command.ts";
import { openAdminTarget } from "./admin-target.ts";
import type { Command } from "./command.ts";

/** A spoke as the admin API shows it; `show` adds its operations. */
type SpokeDetails = SpokeView & { operationList?: SpokeOperationView[] };

const HELP = `Usage:
  alkhub spokes list [--status online|offline|all]
  alkhub spokes show <name>
  alkhub spokes disconnect <name>
  alkhub spokes disable <name>      alkhub spokes enable <name>

Shows and manages the spokes that dial in to the hub.

  list        every spoke: name, account, status, instance, version, connected, heartbeat age, operations,
              calls in flight, disabled (default --status all)
  show        one spoke with its operations
  disconnect  closes the spoke's live connection (it may dial in again)
  disable     refuses the name at registration from now on and closes its live connection
  enable      accepts the name again

list and show read the store directly when no hub runs (the stored state: nothing is live then);
disconnect, disable and enable need a running hub (exit 69 without one).

${TARGET_HELP}

${EXIT_HELP}
`;

const OPTIONS = { status: { type: "string" } } as const;
const SPOKE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;

type Values = Record<string, string | boolean | undefined>;

/** Builds `alkhub spokes`; `openTarget` is injectable for tests. */
export function createSpokesCommand(openTarget: OpenTarget = openAdminTarget): Command {
  return adminCommand(
    {
      name: "spokes",
      summary: "list and show spokes; disconnect, disable or enable one",
      help: HELP,
      options: OPTIONS,
      plan,
    },
    openTarget,
  );
}

function plan(sub: string | undefined, args: string[], values: Values): AdminWork {
  const subs = ["list", "show", "disconnect", "disable", "enable"];
  if (sub === undefined) usage(`missing subcommand (${subs.join(", ")})`);
  if (!subs.includes(sub)) usage(`unknown subcommand '${sub}'`);
  const status = values.status as string | undefined;
  if (status !== undefined && sub !== "list") usage(`--status is not valid with 'spokes ${sub}'`);
  if (sub === "list") {
    if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
    oneOf("spokes", "status", status, ["online", "offline", "all"]);
    return listWork("/spokes", { status: status ?? "all" }, formatSpokeTable, { catalog: true });
  }
  if (args.length !== 1) usage(`${sub} takes exactly one spoke name`);
  const name = args[0] as string;
  if (!SPOKE_NAME.test(name)) usage(`'${name.slice(0, 60)}' is not a spoke name`);
  const path = `/spokes/${encodeURIComponent(name)}`;
  if (sub === "show") {
    return {
      write: false,
      catalog: true,
      async run(client, io, json) {
        const spoke = await client.call<SpokeDetails>({ method: "GET", path });
        if (json) printJson(io, spoke);
        else io.out(formatSpokeDetails(spoke));
        return EXIT_CODES.OK;
      },
    };
  }
  if (sub === "disconnect") {
    return {
      write: true,
      async run(client, io, json) {
        const result = await client.call<{ disconnected: boolean; instanceId: string | null }>({
          method: "POST",
          path: `${path}/disconnect`,
        });
        if (json) printJson(io, result);
        else if (result.disconnected)
          io.out(`disconnected spoke ${name} (instance ${result.instanceId ?? "?"})`);
        else io.out(`spoke ${name} was not connected anywhere`);
        return EXIT_CODES.OK;
      },
    };
  }
  return {
    write: true,
    async run(client, io, json) {
      const spoke = await client.call<SpokeView>({ method: "POST", path: `${path}/${sub}` });
      if (json) printJson(io, spoke);
      else io.out(`${sub}d spoke ${name} (now ${spoke.status}${spoke.disabled ? ", disabled" : ""})`);
      return EXIT_CODES.OK;
    },
  };
}

/** The `spokes list` table, one row per spoke. */
export function formatSpokeTable(spokes: SpokeView[]): string {
  return formatTable(
    [
      "NAME",
      "ACCOUNT",
      "STATUS",
      "INSTANCE",
      "VERSION",
      "CONNECTED",
      "HEARTBEAT",
      "OPS",
      "IN FLIGHT",
      "DISABLED",
    ],
    spokes.map((s) => [
      s.name,
      s.account,
      s.status,
      s.instanceId?.slice(0, 8) ?? "-",
      s.version ?? "-",
      minute(s.connectedAt),
      s.heartbeatAgeMs === null ? "-" : `${Math.round(s.heartbeatAgeMs / 1000)}s ago`,
      String(s.operations),
      s.inFlight === null ? "-" : String(s.inFlight),
      s.disabled ? "yes" : "no",
    ]),
  );
}

function formatSpokeDetails(spoke: SpokeDetails): string {
  const head = [
    ["name", spoke.name],
    ["account", spoke.account],
    ["status", spoke.status + (spoke.disabled ? " (disabled)" : "")],
    ["instance", spoke.instanceId ?? "-"],
    ["kind", spoke.kind ?? "-"],
    ["version", spoke.version ?? "-"],
    ["connected", spoke.connectedAt ?? "-"],
    ["disconnected", spoke.disconnectedAt ?? "-"],
    ["heartbeat", spoke.lastHeartbeatAt ?? "-"],
    ["in flight", spoke.inFlight === null ? "-" : String(spoke.inFlight)],
  ]
    .map(([label, value]) => `${(label as string).padEnd(13)} ${value}`)
    .join("\n");
  const ops = spoke.operationList ?? [];
  if (ops.length === 0) return `${head}\noperations    none`;
  return `${head}\n\n${formatTable(
    ["OPERATION", "TYPE", "DESCRIPTION"],
    ops.map((o) => [o.name, o.type, (o.description ?? o.title ?? "").split("\n")[0]?.slice(0, 80) ?? ""]),
  )}`;
}

function usage(message: string): never {
  return usageError("spokes", message);
}
