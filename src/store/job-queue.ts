// The queue shared by every replica (DATABASE_URL): pg-boss moves the jobs (SKIP LOCKED fetch, retries, a
// lease per job), the store keeps what each job is about, merged per coalescing key.
//
// The in-process queue (src/app/queue.ts) promises that a burst for one key costs at most two runs: the one
// running and one re-run that sees the latest item. Across replicas the same holds this way:
// - push merges the item into the key's row (queue_items, under a row lock) and sends a pg-boss job with the
//   key as singleton key on a `short` queue: at most one job per key waits, so further pushes only merge.
// - a run holds a session advisory lock on the key for its whole length, so one key never runs twice at once
//   on any replica; a job that finds its key running elsewhere is put back for a moment (it costs no run).
// - a run reads the row, runs it, and deletes it only if its version is the one it read: work merged while it
//   ran stays and is run by the job that push sent meanwhile.
// - a replica killed mid-run releases its lock with its connection; its job's lease (expireInSeconds) runs out
//   and pg-boss hands it to another replica, which finds the row still there and runs it.

import { createRequire } from "node:module";
import pg from "pg";
import PgBoss from "pg-boss";
import type { PushResult } from "../app/queue.js";
import { checkout, quoteIdent, type Sql } from "./sql.js";

// pg-boss 10 marks a finished job completed or failed without awaiting it (src/manager.js, the worker's
// onFetch). With the database stopped at that moment the rejection is unhandled and ends the process; guarded,
// the job stays active and is run again after its lease, like a replica's that died.
{
  const Manager = createRequire(import.meta.url)("pg-boss/src/manager.js") as {
    prototype: Record<string, (...args: unknown[]) => Promise<unknown>> & { readinessGuarded?: boolean };
  };
  if (!Manager.prototype.readinessGuarded) {
    for (const name of ["complete", "fail"]) {
      const original = Manager.prototype[name]!;
      const guarded = function (this: unknown, ...args: unknown[]) {
        const settled = original.apply(this, args);
        settled.catch(() => {});
        return settled;
      };
      // PgBoss offers the manager's functions under their own names (boss.complete, boss.fail).
      Object.defineProperty(guarded, "name", { value: name });
      Manager.prototype[name] = guarded;
    }
    Manager.prototype.readinessGuarded = true;
  }
}

export interface SharedQueueOptions<T> {
  connectionString: string;
  /** The schema of the store (queue_items) and of pg-boss's tables (`<schema>_boss`). */
  schema: string;
  /** The store's SQL (PostgreSQL). */
  sql: Sql;
  /** Runs one item; a throw is retried by pg-boss, up to `retryLimit` times. */
  worker: (item: T, key: string) => Promise<void>;
  concurrency: number;
  /** Distinct keys waiting; beyond it push is refused. */
  maxQueued: number;
  merge?: (older: T, newer: T) => T;
  /** Fetched before every job that is not urgent (pg-boss priority). */
  urgent?: (item: T) => boolean;
  /** How long a run may hold its job before another replica may take it (the lease), in seconds. */
  leaseSeconds?: number;
  retryLimit?: number;
  /** How often expired leases are looked for (pg-boss maintenance), in seconds. */
  maintenanceSeconds?: number;
  pollingSeconds?: number;
  /** How long a job whose key runs elsewhere waits before it is tried again, in seconds. */
  busyDelaySeconds?: number;
  onError?: (error: unknown, key: string) => void;
  onEvent?: (event: "retry" | "lease-expired" | "busy") => void;
}

export const QUEUE_NAME = "readiness-jobs";
/** Advisory lock key for setting up pg-boss ("rgqs" in ASCII). */
const QUEUE_SETUP_LOCK = 0x72677173;
const EXPIRED = "job failed by timeout in active state";

interface Payload {
  key: string;
}

export class SharedQueue<T> {
  private readonly boss: PgBoss;
  private readonly pool: pg.Pool;
  private running = 0;
  /** Ids of the jobs this replica runs now: a drain that runs out of time hands them back. */
  private readonly activeJobs = new Set<string>();
  private closed = false;
  private lastDepth = 0;
  private workers: string[] = [];
  private idleWaiters: (() => void)[] = [];

  private constructor(
    private readonly o: SharedQueueOptions<T>,
    boss: PgBoss,
    pool: pg.Pool,
  ) {
    this.boss = boss;
    this.pool = pool;
  }

  static async start<T>(o: SharedQueueOptions<T>): Promise<SharedQueue<T>> {
    // Connections held for a run's advisory lock, one per concurrent run.
    const pool = new pg.Pool({
      connectionString: o.connectionString,
      max: o.concurrency + 1,
      options: `-c search_path=${quoteIdent(o.schema)}`,
    });
    pool.on("error", () => {});
    const bossSchema = `${o.schema}_boss`;
    quoteIdent(bossSchema);
    const boss = new PgBoss({
      connectionString: o.connectionString,
      schema: bossSchema,
      max: Math.max(2, o.concurrency),
      maintenanceIntervalSeconds: o.maintenanceSeconds ?? 30,
      monitorStateIntervalSeconds: o.maintenanceSeconds ?? 30,
      // Finished jobs are history nobody reads here: the verdict history is the store's.
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: 1,
    });
    const q = new SharedQueue(o, boss, pool);
    boss.on("error", (error) => o.onError?.(error, "pg-boss"));
    // Replicas starting together: pg-boss's own set-up and queue creation deadlock when run concurrently, so
    // they run one replica at a time.
    await o.sql.withAdvisoryLock(QUEUE_SETUP_LOCK, async () => {
      await boss.start();
      if (!(await boss.getQueue(QUEUE_NAME)))
        await boss.createQueue(QUEUE_NAME, {
          name: QUEUE_NAME,
          policy: "short",
          retryLimit: o.retryLimit ?? 3,
          retryDelay: 2,
          retryBackoff: true,
          expireInSeconds: o.leaseSeconds ?? 300,
        });
    });
    for (let i = 0; i < o.concurrency; i++) {
      q.workers.push(
        await boss.work<Payload>(
          QUEUE_NAME,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: o.pollingSeconds ?? 1 },
          async ([job]) => {
            if (job) await q.runJob(job);
          },
        ),
      );
    }
    await q.refreshDepth();
    return q;
  }

  /** Keys waiting, as last counted (push and runs refresh it). */
  get depth(): number {
    return this.lastDepth;
  }

  get active(): number {
    return this.running;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  async push(key: string, item: T): Promise<PushResult> {
    if (this.closed) return "rejected";
    const merge = this.o.merge ?? ((_older: T, newer: T) => newer);
    const existed = await this.o.sql.transaction(async (tx) => {
      // A new key is inserted while the queue has room; two replicas inserting the same key at once: one wins.
      const inserted = await tx.query(
        `INSERT INTO queue_items (queue, key, data)
         SELECT $1, $2, $3 WHERE (SELECT count(*) FROM queue_items WHERE queue = $1) < $4
         ON CONFLICT (queue, key) DO NOTHING RETURNING key`,
        [QUEUE_NAME, key, JSON.stringify(item), this.o.maxQueued],
      );
      if (inserted.length === 1) return false;
      const rows = await tx.query<{ data: T }>(
        "SELECT data FROM queue_items WHERE queue = $1 AND key = $2 FOR UPDATE",
        [QUEUE_NAME, key],
      );
      if (!rows[0]) return null; // full
      await tx.query(
        "UPDATE queue_items SET data = $3, version = version + 1, updated_at = now() WHERE queue = $1 AND key = $2",
        [QUEUE_NAME, key, JSON.stringify(merge(rows[0].data, item))],
      );
      return true;
    });
    if (existed === null) return "rejected";
    // null: a job for this key already waits, and will read the merged row.
    const id = await this.boss.send(
      QUEUE_NAME,
      { key },
      { singletonKey: key, priority: this.priority(item) },
    );
    await this.refreshDepth();
    return existed || id === null ? "coalesced" : "queued";
  }

  private priority(item: T): number {
    return this.o.urgent?.(item) ? 1 : 0;
  }

  private async runJob(job: PgBoss.JobWithMetadata<Payload>): Promise<void> {
    const { key } = job.data;
    if (job.retryCount > 0) {
      this.o.onEvent?.("retry");
      const output = job.output as { value?: { message?: string } } | null;
      if (output?.value?.message === EXPIRED) this.o.onEvent?.("lease-expired");
    }
    const { client, release } = await checkout(this.pool);
    let locked = false;
    this.running++;
    this.activeJobs.add(job.id);
    try {
      const got = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtextextended($1, 7)) AS ok",
        [`queue:${key}`],
      );
      locked = got.rows[0]?.ok === true;
      if (!locked) {
        // Running on another replica: wait for it. The row stays; this job comes back shortly.
        this.o.onEvent?.("busy");
        await this.boss.send(
          QUEUE_NAME,
          { key },
          { singletonKey: key, startAfter: this.o.busyDelaySeconds ?? 2, priority: job.priority },
        );
        return;
      }
      const rows = await client.query<{ data: T; version: string }>(
        "SELECT data, version FROM queue_items WHERE queue = $1 AND key = $2",
        [QUEUE_NAME, key],
      );
      const row = rows.rows[0];
      if (!row) return; // done by an earlier job
      const last = job.retryCount >= job.retryLimit;
      try {
        await this.o.worker(row.data, key);
      } catch (error) {
        this.o.onError?.(error, key);
        if (!last) throw error;
      }
      await client.query("DELETE FROM queue_items WHERE queue = $1 AND key = $2 AND version = $3", [
        QUEUE_NAME,
        key,
        row.version,
      ]);
    } finally {
      let broken = false;
      if (locked)
        await client
          .query("SELECT pg_advisory_unlock(hashtextextended($1, 7))", [`queue:${key}`])
          .catch(() => {
            broken = true;
          });
      release(broken);
      this.running--;
      this.activeJobs.delete(job.id);
      await this.refreshDepth().catch(() => {});
      this.wakeIdle();
    }
  }

  private async refreshDepth(): Promise<void> {
    const rows = await this.o.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM queue_items WHERE queue = $1",
      [QUEUE_NAME],
    );
    this.lastDepth = Number(rows[0]?.n ?? 0);
  }

  /** Keys waiting and the age of the oldest, in seconds (for /metrics). */
  async stats(): Promise<{ depth: number; oldestSeconds: number }> {
    const rows = await this.o.sql.query<{ n: number; age: number | null }>(
      `SELECT count(*)::int AS n, EXTRACT(epoch FROM now() - min(created_at))::float8 AS age
       FROM queue_items WHERE queue = $1`,
      [QUEUE_NAME],
    );
    this.lastDepth = Number(rows[0]?.n ?? 0);
    return { depth: this.lastDepth, oldestSeconds: Number(rows[0]?.age ?? 0) };
  }

  private wakeIdle(): void {
    if (this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when nothing runs here and no key waits anywhere (polls the store). */
  async idle(): Promise<void> {
    for (;;) {
      await this.refreshDepth();
      if (this.running === 0 && this.lastDepth === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for the runs here to end; what waits stays in the database
   * for the other replicas (or this one's next start). True when the runs here ended in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    // One bound for the whole drain: stopping the workers waits for their runs, and so does ending the pool.
    const deadline = Date.now() + timeoutMs;
    const within = <R>(p: Promise<R>, ms: number) =>
      Promise.race([p, new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref())]);
    await within(
      Promise.all(this.workers.map((id) => this.boss.offWork({ id }).catch(() => {}))),
      deadline - Date.now(),
    );
    const ended =
      this.running === 0 ||
      (await Promise.race([
        new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true))),
        new Promise<false>((resolve) =>
          setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())).unref(),
        ),
      ]));
    // Runs still going when the bound is reached are failed back to the queue, so another replica retries them
    // now rather than after their lease (it waits for this process's lock on the key, which ends with it).
    if (this.activeJobs.size > 0)
      await within(
        this.boss.fail(QUEUE_NAME, [...this.activeJobs]).catch(() => {}),
        1_000,
      );
    await this.boss.stop({ graceful: false, wait: true, timeout: 1_000 }).catch(() => {});
    await within(
      this.pool.end().catch(() => {}),
      1_000,
    );
    return ended;
  }
}
