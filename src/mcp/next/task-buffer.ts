import { and, count, eq, gt, lt } from "drizzle-orm";
import { mcpTasks, type Store } from "../../store/index.ts";

/** A task's state on the wire (SEP-2663): `working` until it settles. */
export type TaskStatus = "working" | "completed" | "failed" | "cancelled";

/** How long a task stays readable after it was created, unless the client asks for less: one hour. */
export const DEFAULT_TASK_TTL_MS = 60 * 60_000;
/** How often a client should poll `tasks/get` (a hint, `pollIntervalMs`). */
export const TASK_POLL_INTERVAL_MS = 1_000;
/** Tasks one key may hold unexpired at once; past it, calls run synchronously (no task is created). */
export const MAX_TASKS_PER_KEY = 100;
/**
 * Largest result kept for a task, in bytes of JSON: a bigger one settles the task as `failed` (the client can
 * still run the call without a task). Bounds what one key can park in the shared store.
 */
export const MAX_TASK_RESULT_BYTES = 1024 * 1024;

/** What a new task records. */
export interface NewTask {
  id: string;
  /** The key that created it: only it may read or cancel the task. */
  keyId: string;
  operation: string;
  /** The call's id in the call audit (`calls.request_id`), when it was relayed to a spoke. */
  callRequestId: string | undefined;
}

/** One task as `tasks/get` reads it. */
export interface TaskRecord {
  id: string;
  keyId: string;
  status: TaskStatus;
  result: unknown;
  error: { code: number; message: string; data?: unknown } | null;
  instanceId: string | null;
  callRequestId: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

/**
 * The result buffer behind MCP tasks: rows in the shared store (`mcp_tasks`, Postgres or embedded PGlite), so a
 * task created on one instance is read, polled or cancelled on any other and survives the client's reconnect.
 * Writes happen when a task is created, settles or is cancelled — only for calls that outlived the JSON answer
 * window, never on the relay's hot path.
 */
export class TaskBuffer {
  readonly #store: Store;
  readonly #instanceId: string;

  constructor(store: Store, instanceId: string) {
    this.#store = store;
    this.#instanceId = instanceId;
  }

  /** Whether key `keyId` may create another task (it holds fewer than `MAX_TASKS_PER_KEY` unexpired ones). */
  async hasRoom(keyId: string): Promise<boolean> {
    const [row] = await this.#store.db
      .select({ n: count() })
      .from(mcpTasks)
      .where(and(eq(mcpTasks.keyId, keyId), gt(mcpTasks.expiresAt, new Date())));
    return (row?.n ?? 0) < MAX_TASKS_PER_KEY;
  }

  /** Records a new working task; resolves once any instance can read it (the task is durably created). */
  async create(task: NewTask, ttlMs: number): Promise<TaskRecord> {
    const now = new Date();
    const [row] = await this.#store.db
      .insert(mcpTasks)
      .values({
        id: task.id,
        keyId: task.keyId,
        operation: task.operation,
        callRequestId: task.callRequestId ?? null,
        status: "working",
        instanceId: this.#instanceId,
        createdAt: now,
        updatedAt: now,
        expiresAt: new Date(now.getTime() + ttlMs),
      })
      .returning();
    return toRecord(row as typeof mcpTasks.$inferSelect);
  }

  /** The task `id` of key `keyId`; undefined when there is none (never created, another key's, or expired). */
  async get(id: string, keyId: string): Promise<TaskRecord | undefined> {
    const [row] = await this.#store.db
      .select()
      .from(mcpTasks)
      .where(and(eq(mcpTasks.id, id), eq(mcpTasks.keyId, keyId), gt(mcpTasks.expiresAt, new Date())));
    return row ? toRecord(row) : undefined;
  }

  /**
   * Settles a working task with the call's result or error. A task cancelled meanwhile stays cancelled. A result
   * larger than `MAX_TASK_RESULT_BYTES` settles it as failed instead.
   */
  async settle(
    id: string,
    outcome: { status: "completed"; result: unknown } | { status: "failed"; error: TaskRecord["error"] },
  ): Promise<void> {
    let values: Partial<typeof mcpTasks.$inferInsert>;
    if (outcome.status === "completed" && JSON.stringify(outcome.result).length > MAX_TASK_RESULT_BYTES) {
      values = {
        status: "failed",
        error: {
          code: -32603,
          message: `the result is larger than ${MAX_TASK_RESULT_BYTES} bytes, the task limit`,
        },
      };
    } else if (outcome.status === "completed") {
      values = { status: "completed", result: outcome.result };
    } else {
      values = { status: "failed", error: outcome.error };
    }
    await this.#store.db
      .update(mcpTasks)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(mcpTasks.id, id), eq(mcpTasks.status, "working")));
  }

  /**
   * Marks a working task of `keyId` cancelled. Returns the task as it was (undefined when unknown), so the caller
   * knows whether a call still runs and on which instance.
   */
  async cancel(id: string, keyId: string): Promise<TaskRecord | undefined> {
    const task = await this.get(id, keyId);
    if (task?.status !== "working") return task;
    await this.#store.db
      .update(mcpTasks)
      .set({ status: "cancelled", updatedAt: new Date() })
      .where(and(eq(mcpTasks.id, id), eq(mcpTasks.status, "working")));
    return task;
  }

  /** Deletes expired tasks. */
  async purge(): Promise<void> {
    await this.#store.db.delete(mcpTasks).where(lt(mcpTasks.expiresAt, new Date()));
  }
}

function toRecord(row: typeof mcpTasks.$inferSelect): TaskRecord {
  return {
    id: row.id,
    keyId: row.keyId,
    status: row.status as TaskStatus,
    result: row.result,
    error: (row.error as TaskRecord["error"]) ?? null,
    instanceId: row.instanceId,
    callRequestId: row.callRequestId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
  };
}
