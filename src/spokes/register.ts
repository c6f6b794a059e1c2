import { hasScope, matchesAnyGlob } from "../auth/index.ts";
import { type CatalogOperation, spokeDisabledError } from "../catalog/index.ts";
import {
  CLOSE_CODES,
  checkRegisterInput,
  encodeFrame,
  HubError,
  type HubRegisterInput,
  type HubRegisterOutput,
} from "../protocol/index.ts";
import type { SessionDeps } from "./deps.ts";
import { distinctSchemaBytes } from "./registration-meter.ts";
import type { SpokeSession } from "./session.ts";

/**
 * `hub.register` (PROTOCOL.md › Handshake): checks the key and the spec, claims the name (or takes it over),
 * writes the catalog, and answers with the spoke id, heartbeat and limits. Registering again on the same
 * connection replaces the operation set.
 */
export async function handleRegister(
  session: SpokeSession,
  requestId: string,
  input: unknown,
  deps: SessionDeps,
): Promise<void> {
  const refused = deps.registrations.admit(session);
  if (refused) {
    session.sendCallError(requestId, refused);
    session.rateLimited();
    return;
  }
  session.registering = true;
  try {
    await register(session, requestId, input, deps);
  } finally {
    session.registering = false;
  }
}

async function register(
  session: SpokeSession,
  requestId: string,
  input: unknown,
  deps: SessionDeps,
): Promise<void> {
  let claimed: HubRegisterInput | undefined;
  let presenceHeld = false;
  try {
    const { registration, schemaBytes, operations } = await checkRegistration(session, input, deps);
    claimed = registration;
    await claimPresence(session, registration, deps);
    presenceHeld = true;
    const spoke = await deps.catalog.register(
      {
        name: registration.name,
        accountId: session.identity.accountId,
        keyId: session.identity.keyId,
        kind: registration.kind,
        version: registration.version,
        hostInfo: registration.hostInfo,
        visibility: registration.visibility ?? "public",
        maxConcurrency: registration.maxConcurrency,
        operations: registration.operations,
        instanceId: deps.instanceId,
        connectionId: session.connectionId,
      },
      operations,
    );
    if (session.phase === "closing" || session.phase === "closed") {
      // The connection went away while the catalog was written: leave the catalog as the close left it, and
      // free the name, which the close could not (the session had no spoke name yet).
      deps.directory.release(registration.name, session);
      await deps.catalog.markOffline(registration.name, session.connectionId);
      return;
    }
    session.spokeName = registration.name;
    deps.registrations.hold(session.identity.keyId, registration.name, schemaBytes);
    session.registeredAt ||= Date.now();
    session.spokeId = spoke.id;
    session.maxConcurrency = registration.maxConcurrency;
    const output: HubRegisterOutput = {
      spokeId: spoke.id,
      name: registration.name,
      heartbeatMs: deps.heartbeatMs,
      limits: deps.spokeLimits,
    };
    session.send(encodeFrame("call.responded", requestId, { requestId, output }));
    session.log.info("spoke registered", {
      spoke: registration.name,
      operations: registration.operations.length,
    });
  } catch (error) {
    if (claimed && session.spokeName !== claimed.name) {
      deps.directory.release(claimed.name, session);
      // A claim this connection will not serve (the catalog write failed) must not hold the name for its TTL.
      if (presenceHeld) void deps.presence.release(claimed.name, session.connectionId).catch(() => {});
    }
    if (claimed && session.registeringName === claimed.name && !session.spokeName)
      session.registeringName = "";
    const hubError =
      error instanceof HubError
        ? error
        : new HubError("UNKNOWN_ERROR", "registration failed", { cause: error });
    if (!(error instanceof HubError)) session.log.error("registration failed", { error });
    session.sendCallError(requestId, hubError);
    // A key that may not register this spoke will not be allowed on a retry either: end the connection so
    // the spoke stops reconnecting (4403 is final for the SDK).
    if (hubError.code === "ACCESS_DENIED") session.close(CLOSE_CODES.FORBIDDEN, hubError.message);
  }
}

/**
 * Claims the name cluster-wide (presence): `NAME_TAKEN` when another connection holds it, unless this key takes
 * it over — then the instance holding the old connection is told to close it (4409).
 */
async function claimPresence(
  session: SpokeSession,
  registration: HubRegisterInput,
  deps: SessionDeps,
): Promise<void> {
  const entry = {
    instanceId: deps.instanceId,
    connectionId: session.connectionId,
    keyId: session.identity.keyId,
    since: Date.now(),
  };
  let result: Awaited<ReturnType<SessionDeps["presence"]["claim"]>>;
  try {
    result = await deps.presence.claim(
      registration.name,
      entry,
      3 * deps.heartbeatMs,
      registration.takeover === true,
    );
  } catch (error) {
    throw new HubError("UNAVAILABLE", "spoke names cannot be claimed while Redis is unreachable", {
      cause: error,
    });
  }
  if (!result.ok) {
    if (
      result.holder.instanceId === deps.instanceId &&
      !deps.directory.byConnection(result.holder.connectionId)
    ) {
      // A claim left by a connection of this instance that is gone: take it.
      await deps.presence.release(registration.name, result.holder.connectionId);
      return claimPresence(session, registration, deps);
    }
    throw new HubError("NAME_TAKEN", `spoke name "${registration.name}" is held by another live connection`);
  }
  // An orphaned claim's instance is dead: nobody is left to close the old connection.
  if (result.previous && !result.orphaned && result.previous.instanceId !== deps.instanceId) {
    await deps.takeOverRemote(result.previous.instanceId, registration.name, result.previous.connectionId);
  }
}

/**
 * Everything that can be decided without I/O — the spec, the key's rights, the schema budget, every schema
 * compiled (in slices) — then claims the name. Throws `HubError`.
 */
async function checkRegistration(
  session: SpokeSession,
  input: unknown,
  deps: SessionDeps,
): Promise<{
  registration: HubRegisterInput;
  schemaBytes: number;
  operations: ReadonlyMap<string, CatalogOperation>;
}> {
  const { identity } = session;
  if (!hasScope(identity, "spoke"))
    throw new HubError("ACCESS_DENIED", "registering needs a key with scope spoke");
  const checked = checkRegisterInput(input, deps.spokeLimits);
  if (!checked.ok) throw new HubError("VALIDATION_ERROR", checked.error);
  const registration = checked.value;
  const { name } = registration;
  if (!hasScope(identity, "admin") && !matchesAnyGlob(identity.spokeNames, name)) {
    throw new HubError("ACCESS_DENIED", `this key may not register a spoke named "${name}"`);
  }
  // The store refuses it too (the index may lag a disable made on another instance by a moment).
  if (deps.catalog.spoke(name)?.disabledAt) throw spokeDisabledError(name);
  // One name per connection, including a registration still in progress: two frames with different names in
  // a row must not leave the first name claimed by a connection that never serves it.
  const current = session.spokeName || session.registeringName;
  if (current && current !== name) {
    throw new HubError("VALIDATION_ERROR", `this connection is registered as "${current}"; use a new one`);
  }
  const schemaBytes = distinctSchemaBytes(registration.operations);
  const overBudget = deps.registrations.checkBudget(identity.keyId, name, schemaBytes);
  if (overBudget) throw overBudget;
  // Schemas are compiled before a takeover closes the holder: a bad spec must not end a working spoke.
  const operations = await deps.catalog.checkOperations(name, registration.operations);
  if (session.phase === "closing" || session.phase === "closed") {
    throw new HubError("UNAVAILABLE", "the connection closed during the registration");
  }
  const holder = deps.directory.byName(name);
  if (holder && holder !== session) {
    const sameKey = holder.identity.keyId === identity.keyId;
    if (!sameKey || (!registration.takeover && holder.phase !== "draining")) {
      throw new HubError("NAME_TAKEN", `spoke name "${name}" is held by another live connection`);
    }
    holder.close(CLOSE_CODES.TAKEN_OVER, `spoke "${name}" was taken over by another connection`);
  }
  deps.directory.claim(name, session);
  session.registeringName = name;
  return { registration, schemaBytes, operations };
}
