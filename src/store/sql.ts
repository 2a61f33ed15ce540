// One small SQL interface over the two engines the App can run on: PostgreSQL through node-postgres (a pool,
// shared by every replica) and PGlite (PostgreSQL compiled to WebAssembly, one connection, in this process).
// The store's SQL is written once, for PostgreSQL, and runs unchanged on both.
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

export interface Sql {
  /** Rows of one statement; `$1`… parameters. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** Runs `work` holding a session-level advisory lock (one holder across every connection to the database). */
  withAdvisoryLock<T>(key: number, work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `work` (on the ordinary connections) while holding a session-level advisory lock, if no one else holds
   * it; resolves `{ ran: false }` at once otherwise. For work only one replica should do at a time.
   */
  whileLocked<T>(key: number, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
  readonly engine: "postgres" | "pglite";
}

/** A schema name safe to splice into SQL (it is also checked at start: settings and tests only). */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * A connection of the pool held for a while (a lock, a transaction, a job). While it is checked out pg-pool
 * takes its own error listener off it, so a server that ends the connection (a restart, a failover, an
 * administrator) would emit 'error' with no listener and end the process. This one listens while it is held;
 * a connection that failed is closed on release instead of going back to the pool.
 */
export async function checkout(
  pool: pg.Pool,
): Promise<{ client: pg.PoolClient; release(broken?: boolean): void }> {
  const client = await pool.connect();
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on("error", onError);
  return {
    client,
    release(broken = false) {
      // A failed connection keeps the listener: it may still report its end after being released.
      if (!(broken || lost)) client.off("error", onError);
      client.release(broken || lost);
    },
  };
}

export interface PostgresOptions {
  connectionString: string;
  schema: string;
  /** Connections in this replica's pool. */
  max?: number;
  /** Bound on connecting and on each statement, so a database that stops answering fails a request, not hangs it. */
  timeoutMs?: number;
}

export async function postgresSql(o: PostgresOptions): Promise<Sql> {
  const schema = quoteIdent(o.schema);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.max ?? 5,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
    // The schema is created before any table (migrations); naming it on every connection keeps the SQL plain.
    options: `-c search_path=${schema}`,
  });
  // An idle connection the server dropped is an error event on the pool: without a listener it kills the process.
  pool.on("error", () => {});
  const { client, release } = await checkout(pool);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    // Replicas starting together can race on CREATE SCHEMA; the loser finds it made.
    if ((error as { code?: string }).code !== "23505" && (error as { code?: string }).code !== "42P06")
      throw error;
  } finally {
    release();
  }
  // A connection of the pool held for a lock or a transaction; `inTx`: nested transactions join the outer one.
  const on = (c: pg.PoolClient, inTx: boolean): Sql => ({
    engine: "postgres",
    query: async <R>(text: string, params?: unknown[]) => (await c.query(text, params)).rows as R[],
    transaction: (work) => (inTx ? work(on(c, true)) : transactionOn(c, work)),
    withAdvisoryLock: (_key, work) => work(on(c, inTx)),
    whileLocked: async (_key, work) => ({ ran: true, value: await work() }),
    close: async () => {},
  });
  const transactionOn = async <T>(c: pg.PoolClient, work: (tx: Sql) => Promise<T>): Promise<T> => {
    await c.query("BEGIN");
    try {
      const result = await work(on(c, true));
      await c.query("COMMIT");
      return result;
    } catch (error) {
      await c.query("ROLLBACK").catch(() => {});
      throw error;
    }
  };
  const sql: Sql = {
    engine: "postgres",
    query: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[],
    async transaction(work) {
      const { client: c, release } = await checkout(pool);
      try {
        return await transactionOn(c, work);
      } finally {
        release();
      }
    },
    async withAdvisoryLock(key, work) {
      const { client: c, release } = await checkout(pool);
      let broken = false;
      try {
        await c.query("SELECT pg_advisory_lock($1)", [key]);
        try {
          return await work(on(c, false));
        } finally {
          await c.query("SELECT pg_advisory_unlock($1)", [key]).catch(() => {
            broken = true;
          });
        }
      } finally {
        // A connection that could not unlock is closed, which releases the lock.
        release(broken);
      }
    },
    async whileLocked(key, work) {
      // One connection of the pool holds the lock for the whole work; the work's statements use the others.
      const { client: c, release } = await checkout(pool);
      let broken = false;
      try {
        const got = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [key]);
        if (!got.rows[0]?.ok) return { ran: false };
        try {
          return { ran: true, value: await work() };
        } finally {
          await c.query("SELECT pg_advisory_unlock($1)", [key]).catch(() => {
            broken = true;
          });
        }
      } finally {
        release(broken);
      }
    },
    close: () => pool.end(),
  };
  return sql;
}

export interface PgliteOptions {
  /** A directory kept across restarts, or undefined for memory only (tests). */
  dataDir?: string;
  schema?: string;
  /**
   * An instance already open, shared by stores that are used one after the other (tests: starting PGlite
   * costs seconds, a schema costs nothing). Closing the store leaves it open.
   */
  shared?: PGlite;
}

export async function pgliteSql(o: PgliteOptions): Promise<Sql> {
  const { PGlite } = await import("@electric-sql/pglite");
  const db: PGlite = o.shared ?? (await PGlite.create(o.dataDir));
  const schema = quoteIdent(o.schema ?? "readiness");
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  type Q = Pick<PGlite, "query">;
  const held = new Set<number>();
  const on = (q: Q, inTx: boolean): Sql => ({
    engine: "pglite",
    query: async <R>(text: string, params?: unknown[]) => (await q.query<R>(text, params)).rows,
    transaction: (work) => (inTx ? work(on(q, true)) : db.transaction((tx) => work(on(tx, true)))),
    withAdvisoryLock: (_key, work) => work(on(q, inTx)),
    whileLocked: async (_key, work) => ({ ran: true, value: await work() }),
    close: async () => {},
  });
  // One connection in this process: PGlite runs one statement at a time and a transaction holds it until it
  // ends. The advisory lock is taken all the same, so both engines run the same statements.
  return {
    engine: "pglite",
    query: async <R>(text: string, params?: unknown[]) => (await db.query<R>(text, params)).rows,
    transaction: (work) => db.transaction((tx) => work(on(tx, true))),
    async withAdvisoryLock(key, work) {
      await db.query("SELECT pg_advisory_lock($1)", [key]);
      try {
        return await work(on(db, false));
      } finally {
        await db.query("SELECT pg_advisory_unlock($1)", [key]);
      }
    },
    // One process holds PGlite: a flag stands for the lock (its session locks are re-entrant).
    async whileLocked(key, work) {
      if (held.has(key)) return { ran: false };
      held.add(key);
      try {
        return { ran: true, value: await work() };
      } finally {
        held.delete(key);
      }
    },
    close: async () => {
      if (!o.shared) await db.close();
    },
  };
}
