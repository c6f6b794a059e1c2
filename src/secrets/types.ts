import type { AuditActor } from "../audit/index.ts";

/** Where a secret lives: account name, client name, secret name. */
export interface SecretAddress {
  account: string;
  client: string;
  name: string;
}

/** What `setClientSecret` needs. `account` and `client` are created when missing. */
export interface SetClientSecretInput extends SecretAddress {
  /** The plaintext; sealed before it reaches the database, never logged or audited. */
  value: string;
  /** Recorded in the audit row. */
  actor?: AuditActor;
}

/** What `deleteClientSecret` needs. */
export interface DeleteClientSecretInput extends SecretAddress {
  /** Recorded in the audit row. */
  actor?: AuditActor;
}

/** A stored secret as operators see it: where it is and which data key seals it. Never the value. */
export interface ClientSecretInfo {
  account: string;
  client: string;
  name: string;
  keyVersion: number;
  createdAt: Date;
  /** When the value was last set (rotation re-seals without changing it). */
  updatedAt: Date;
  /** When an upstream dial last opened it (to within a minute); null: never. */
  lastUsedAt: Date | null;
}

/** The outcome of `setClientSecret`: the stored row's info and whether it was new. */
export interface SetClientSecretResult extends ClientSecretInfo {
  created: boolean;
}
