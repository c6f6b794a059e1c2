/**
 * The log line of an admin write. The `audit_logs` row is written by the store function that made the change
 * (in its transaction); this line says the same on the log, with the actor, for operators who tail it.
 */
import type { Logger } from "../log/index.ts";
import type { AuditActor } from "../store/index.ts";
import type { Actor } from "./route.ts";

/**
 * The audit actor of a request: its key id (none for the admin socket, whose rows carry the address
 * `local-socket`) and the client address.
 */
export function auditActor(actor: Actor): AuditActor {
  return { keyId: actor.keyId, address: actor.address };
}

/** The actor as logs and audit rows name it. */
export function actorName(actor: Actor): string {
  return actor.keyId ?? (actor.via === "socket" ? "local-socket" : "unknown");
}

/** Logs an admin write: `admin: <action>` with the actor, the target and what else matters (never a secret). */
export function logAdminWrite(
  log: Logger,
  actor: Actor,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): void {
  log.info(`admin: ${action}`, { actor: actorName(actor), via: actor.via, target, ...details });
}
