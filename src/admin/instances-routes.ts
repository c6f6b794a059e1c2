/**
 * `/instances` (scope admin): the cluster's members as the roster on the bus knows them (each instance
 * describes itself every 5 s; with the memory bus, this instance alone).
 */
import type { ApiDeps } from "./deps.ts";
import { InstanceList } from "./live-schemas.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

/** The instances route. */
export function instancesRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/instances",
      summary: "List the cluster's instances",
      description:
        "The answering instance first (self), then the others heard on the bus in the last 15 s, with what each said about itself at most 5 s ago.",
      tag: "cluster",
      scope: "admin",
      response: InstanceList,
      handle() {
        const now = Date.now();
        return {
          items: deps
            .parts()
            .roster.members(now)
            .map((member) => ({
              id: member.id,
              version: member.version,
              startedAt: new Date(member.startedAt).toISOString(),
              uptimeSeconds: Math.max(0, Math.floor((now - member.startedAt) / 1000)),
              spokes: member.spokes,
              mcpSessions: member.mcpSessions,
              self: member.self,
            })),
        };
      },
    }),
  ];
}
