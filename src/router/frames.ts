import type { Identity } from "../auth/index.ts";
import type { CatalogOperation } from "../catalog/index.ts";
import { encodeCallAborted, encodeCallRequested, jsonOf } from "../protocol/index.ts";
import type { CallMetrics, OperationCells } from "./call-metrics.ts";
import type { CallRequest } from "./types.ts";

/**
 * What the router needs about an operation on every call, worked out once per catalog operation object: its
 * local name as JSON text, whether it is a subscription, and its metrics cells. Kept in a weak map keyed by the
 * catalog's own object, so it lives exactly as long as that (a re-registration makes new objects).
 */
export interface OperationFacts {
  readonly localNameJson: string;
  readonly subscription: boolean;
  readonly cells: OperationCells;
}

const operationFacts = new WeakMap<CatalogOperation, OperationFacts>();
const encodedCallers = new WeakMap<Identity, string>();

export function factsOf(operation: CatalogOperation, metrics: CallMetrics): OperationFacts {
  let facts = operationFacts.get(operation);
  if (facts === undefined) {
    facts = {
      localNameJson: JSON.stringify(operation.localName),
      subscription: operation.spec.type === "subscription",
      cells: metrics.cells(operation.name),
    };
    operationFacts.set(operation, facts);
  }
  return facts;
}

function callerJson(identity: Identity): string {
  let json = encodedCallers.get(identity);
  if (json === undefined) {
    json = JSON.stringify({ id: identity.keyId, scopes: identity.scopes });
    encodedCallers.set(identity, json);
  }
  return json;
}

/**
 * `call.requested` towards a spoke: the hub's id, the local operation name, who is calling, and the trace
 * context (`traceJson`, when the call has one). Hub ids are hub-made (`[a-z0-9-]`), so they are quoted without
 * escaping; the only value encoded per call is the input.
 */
export function encodeSpokeCall(
  hubId: string,
  facts: OperationFacts,
  request: CallRequest,
  caller: Identity,
  deadline: number,
  traceJson: string | undefined,
): string {
  return encodeCallRequested(
    `"${hubId}"`,
    facts.localNameJson,
    jsonOf(request.input),
    deadline,
    request.progress === true,
    request.parentRequestId === undefined ? undefined : JSON.stringify(request.parentRequestId),
    callerJson(caller),
    traceJson,
  );
}

/** `call.aborted` towards a spoke. */
export function encodeSpokeAbort(hubId: string, reason: string): string {
  return encodeCallAborted(`"${hubId}"`, reason);
}
