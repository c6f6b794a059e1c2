import type { Identity } from "../auth/index.ts";
import type { CatalogOperation } from "../catalog/index.ts";
import type { CallRequest } from "./types.ts";

// The frames the router writes are built as strings: the only value that needs JSON encoding per call is the
// input; ids are hub-made ([a-z0-9-]) and the operation and caller parts are encoded once and reused.

// Weak caches keyed by the catalog's and the key verifier's own objects: they live exactly as long as those.
const encodedOperations = new WeakMap<CatalogOperation, string>();
const encodedCallers = new WeakMap<Identity, string>();

function operationJson(operation: CatalogOperation): string {
  let json = encodedOperations.get(operation);
  if (json === undefined) {
    json = JSON.stringify(operation.localName);
    encodedOperations.set(operation, json);
  }
  return json;
}

function callerJson(identity: Identity): string {
  let json = encodedCallers.get(identity);
  if (json === undefined) {
    json = JSON.stringify({ id: identity.keyId, scopes: identity.scopes });
    encodedCallers.set(identity, json);
  }
  return json;
}

/** `call.requested` towards a spoke: the hub's id, the local operation name, and who is calling. */
export function encodeSpokeCall(
  hubId: string,
  operation: CatalogOperation,
  request: CallRequest,
  caller: Identity,
  deadline: number,
): string {
  const input = request.input === undefined ? "null" : JSON.stringify(request.input);
  const progress = request.progress === true ? ',"progress":true' : "";
  const parent =
    request.parentRequestId === undefined
      ? ""
      : `,"parentRequestId":${JSON.stringify(request.parentRequestId)}`;
  return (
    `{"type":"call.requested","id":"${hubId}","payload":{"requestId":"${hubId}","operation":` +
    `${operationJson(operation)},"input":${input},"deadline":${deadline}${progress}${parent},` +
    `"caller":${callerJson(caller)}}}`
  );
}

/** `call.aborted` towards a spoke. */
export function encodeAborted(hubId: string, reason: string): string {
  return `{"type":"call.aborted","id":"${hubId}","payload":{"requestId":"${hubId}","reason":${JSON.stringify(reason)}}}`;
}
