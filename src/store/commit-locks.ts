// One evaluation at a time per commit across every replica on one PostgreSQL. The run on a commit carries the
// verdicts of every pull request with that head, so the last writer must have listed them after the previous
// writer wrote (src/app/locks.ts does this within one process).
//
// The lock is a session advisory lock keyed on the commit, held for the whole evaluation on a connection of
// its own (a pool apart from the store's, sized to the evaluations this replica runs at once), so a long
// evaluation never starves the store's statements. Taking it waits at most `waitMs`: then the evaluation fails
// and the queue retries it. A replica that dies releases its locks with its connections.
import pg from "pg";
import { KeyedLocks } from "../app/locks.js";
import { checkout, quoteIdent } from "./sql.js";

export interface CommitLocksOptions {
  connectionString: string;
  /** The store's schema: replicas of another deployment on the same database do not wait on these locks. */
  schema: string;
  /** Evaluations this replica runs at once (one connection each, plus one). */
  concurrency: number;
  /** How long taking a lock may wait for another replica's evaluation of the commit. */
  waitMs: number;
}

export class CommitLockTimeout extends Error {
  override readonly name = "CommitLockTimeout";
}

/** The per-commit lock: in this process first (no connection is held to wait behind a sibling), then across replicas. */
export class SharedCommitLocks {
  private readonly local = new KeyedLocks();
  private readonly pool: pg.Pool;
  /** Locks held on the database now (for tests and /metrics). */
  held = 0;

  constructor(private readonly o: CommitLocksOptions) {
    quoteIdent(o.schema);
    this.pool = new pg.Pool({
      connectionString: o.connectionString,
      max: o.concurrency + 1,
      connectionTimeoutMillis: Math.min(o.waitMs, 10_000),
      // Bounds the wait for the lock (and the unlock): the only statements this pool runs.
      statement_timeout: o.waitMs,
      query_timeout: o.waitMs + 1_000,
      keepAlive: true,
    });
    this.pool.on("error", () => {});
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.across(key, work));
  }

  private async across<T>(key: string, work: () => Promise<T>): Promise<T> {
    const id = `${this.o.schema}:commit:${key}`;
    const { client, release } = await checkout(this.pool);
    let broken = false;
    try {
      try {
        await client.query("SELECT pg_advisory_lock(hashtextextended($1, 11))", [id]);
      } catch (error) {
        broken = true;
        if ((error as { code?: string }).code === "57014")
          throw new CommitLockTimeout(
            `another replica has been evaluating ${key} for over ${Math.round(this.o.waitMs / 1000)} s; retried later`,
          );
        throw error;
      }
      this.held++;
      try {
        return await work();
      } finally {
        this.held--;
        await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 11))", [id]).catch(() => {
          // Closing the connection releases the lock all the same.
          broken = true;
        });
      }
    } finally {
      release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
