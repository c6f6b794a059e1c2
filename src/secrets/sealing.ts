import type { KeyRing, SealedSecret } from "../crypto/index.ts";

/**
 * The additional authenticated data of a secret: `"<clientId>/<secretName>"` (CONFIG.md › Data keys). A sealed
 * value copied to another client or name therefore fails to open instead of leaking into the wrong place.
 */
export function secretAad(clientId: string, name: string): string {
  return `${clientId}/${name}`;
}

/** Seals `value` for client `clientId`, secret `name`, with the ring's current data key. */
export function sealSecret(ring: KeyRing, clientId: string, name: string, value: string): SealedSecret {
  return ring.seal(value, secretAad(clientId, name));
}

/**
 * Opens a stored secret. Throws `CryptoError` (naming the key version only) when the version is not in the ring
 * or the value was altered or moved to another client or name.
 */
export function openSecret(
  ring: KeyRing,
  row: { clientId: string; name: string; keyVersion: number; sealed: string },
): string {
  return ring.open(row.keyVersion, row.sealed, secretAad(row.clientId, row.name));
}
