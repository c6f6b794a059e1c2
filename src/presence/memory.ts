import type { ClaimResult, Presence, PresenceEntry } from "./types.ts";

/**
 * Presence for a single instance: a map with expiry times, with the same rules as the Redis one. The only
 * instance alive is `instanceId`: a name held under another instance id (which only a previous life or a
 * test can leave behind) is orphaned and claimable at once.
 */
export function createMemoryPresence(options: { instanceId?: string; now?: () => number } = {}): Presence {
  const now = options.now ?? Date.now;
  const alive = (instanceId: string) => options.instanceId === undefined || instanceId === options.instanceId;
  const entries = new Map<string, { entry: PresenceEntry; expiresAt: number }>();
  const current = (name: string): PresenceEntry | undefined => {
    const held = entries.get(name);
    if (!held) return undefined;
    if (held.expiresAt > now()) return held.entry;
    entries.delete(name);
    return undefined;
  };
  return {
    async claim(name, entry, ttlMs, takeover): Promise<ClaimResult> {
      const holder = current(name);
      if (holder && holder.connectionId !== entry.connectionId) {
        if (holder.instanceId !== entry.instanceId && !alive(holder.instanceId)) {
          entries.set(name, { entry, expiresAt: now() + ttlMs });
          return { ok: true, previous: holder, orphaned: true };
        }
        if (!takeover || holder.keyId !== entry.keyId) return { ok: false, holder };
        entries.set(name, { entry, expiresAt: now() + ttlMs });
        return { ok: true, previous: holder };
      }
      entries.set(name, { entry, expiresAt: now() + ttlMs });
      return { ok: true };
    },
    async refresh(held, ttlMs) {
      const lost: string[] = [];
      for (const { name, entry } of held) {
        const holder = current(name);
        if (holder && holder.connectionId !== entry.connectionId) lost.push(name);
        else entries.set(name, { entry, expiresAt: now() + ttlMs });
      }
      return lost;
    },
    async release(name, connectionId) {
      if (current(name)?.connectionId === connectionId) entries.delete(name);
    },
    async lookup(names) {
      return names.map(current);
    },
    async close() {
      entries.clear();
    },
  };
}
