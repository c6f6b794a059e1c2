import type { Bus, Unsubscribe } from "../bus/index.ts";

/** The bus channel that carries key revocations to every instance (SECURITY.md › Caches). */
export const AUTH_CHANNEL = "alkhub:auth";

interface RevokedMessage {
  type: "auth.revoked";
  keyId: string;
}

/** Tells every instance that `keyId` is revoked: they drop cached identities and close its connections. */
export async function publishRevocation(bus: Bus, keyId: string): Promise<void> {
  const message: RevokedMessage = { type: "auth.revoked", keyId };
  await bus.publish(AUTH_CHANNEL, JSON.stringify(message));
}

/** Calls `onRevoked` for every revocation published by any instance (malformed messages are ignored). */
export function subscribeRevocations(bus: Bus, onRevoked: (keyId: string) => void): Promise<Unsubscribe> {
  return bus.subscribe(AUTH_CHANNEL, (text) => {
    let message: Partial<RevokedMessage>;
    try {
      message = JSON.parse(text) as Partial<RevokedMessage>;
    } catch {
      return;
    }
    if (message.type === "auth.revoked" && typeof message.keyId === "string") onRevoked(message.keyId);
  });
}
