/**
 * `/events` (scope admin): Server-Sent Events. `event: catalog` (spoke online, offline, operations changed;
 * cluster-wide) and `event: call` (each call this instance relayed, as a `GET /calls` item), `: ping` every
 * 15 s. At most 4 streams per key and 64 per instance (429 beyond); a reader that falls 1 MiB behind is dropped.
 */

import { EVENT_TYPES, type EventType } from "../events/index.ts";
import { actorName } from "./audit.ts";
import type { ApiDeps } from "./deps.ts";
import { EventData, EventsQuery } from "./live-schemas.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

/** The events route. */
export function eventsRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/events",
      summary: "Stream catalog and call events",
      description:
        "text/event-stream. event: catalog, data { kind, spoke, instanceId, at } (cluster-wide); event: call, data = one calls item (calls relayed by the instance serving the stream; id is the request id). A `: ping` comment every 15 s. At most 4 streams per key; a slow reader is dropped.",
      tag: "events",
      scope: "admin",
      query: EventsQuery,
      response: EventData,
      stream: "text/event-stream",
      handle({ query, actor, request }) {
        const types = new Set<EventType>(
          query.types === undefined ? EVENT_TYPES : (query.types.split(",") as EventType[]),
        );
        return deps.parts().events.open(actorName(actor), types, request.signal);
      },
    }),
  ];
}
