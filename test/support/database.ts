// The two engines the store runs on, for tests that must hold on both with the same assertions: a real
// PostgreSQL (TEST_DATABASE_URL, by default the project machines' 127.0.0.1:5432, database `test`) and the
// embedded PGlite. Each test gets a schema of its own, dropped afterwards, so test files never collide.
import { randomBytes } from "node:crypto";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { Store, type StoreOptions } from "../../src/store/store.js";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let reachable: Promise<string | null> | undefined;

/** null when PostgreSQL answers; otherwise why not. */
export function postgresProblem(): Promise<string | null> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return null;
    } catch (error) {
      return (error as Error).message || String(error);
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/**
 * Whether to run the PostgreSQL half of a suite. In CI a missing server is an error (the suite must run there);
 * elsewhere it is said in one line and the embedded half still runs.
 */
export async function postgresForTests(suite: string): Promise<boolean> {
  const problem = await postgresProblem();
  if (problem === null) return true;
  const line = `PostgreSQL at ${TEST_DATABASE_URL.replace(/\/\/[^@/]*@/, "//")} is not reachable (${problem})`;
  if (process.env.CI) throw new Error(`${line}: CI runs the PostgreSQL suite; start the server first.`);
  console.log(`${suite}: ${line}; the PostgreSQL suite was not run, the embedded one was.`);
  return false;
}

export const uniqueSchema = (prefix = "t"): string => `${prefix}_${randomBytes(6).toString("hex")}`;

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export interface Engine {
  name: "postgres" | "pglite";
  /** A store in a schema of its own; `drop` removes it. */
  open(extra?: Partial<StoreOptions>): Promise<{ store: Store; schema: string; drop(): Promise<void> }>;
  /** Starts what the engine shares across the file (PGlite: seconds, longer on a busy machine); for beforeAll. */
  warm(): Promise<void>;
  /** Ends what the engine holds for the file (the shared PGlite). */
  end(): Promise<void>;
}

export function postgresEngine(): Engine {
  return {
    name: "postgres",
    async open(extra = {}) {
      const schema = uniqueSchema();
      const store = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema, ...extra });
      return {
        store,
        schema,
        async drop() {
          await store.close();
          await dropSchema(schema);
        },
      };
    },
    warm: async () => {},
    end: async () => {},
  };
}

/** One PGlite for the file (it takes seconds to start), a schema per test. */
export function pgliteEngine(): Engine {
  let shared: Promise<PGlite> | undefined;
  const start = () => {
    shared ??= import("@electric-sql/pglite").then(({ PGlite }) => PGlite.create());
    return shared;
  };
  return {
    name: "pglite",
    async warm() {
      await start();
    },
    async open(extra = {}) {
      const db = await start();
      const schema = uniqueSchema();
      const store = await Store.open({ pglite: db, schema, ...extra });
      return {
        store,
        schema,
        async drop() {
          await store.close();
          await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        },
      };
    },
    async end() {
      if (shared) await (await shared).close();
    },
  };
}

/** The engines a store suite runs on: PGlite always, PostgreSQL when reachable (always in CI). */
export async function storeEngines(suite: string): Promise<Engine[]> {
  return (await postgresForTests(suite)) ? [postgresEngine(), pgliteEngine()] : [pgliteEngine()];
}

export interface DatabaseRelay {
  /** TEST_DATABASE_URL through the relay. */
  url: string;
  /** Ends every connection through it and refuses new ones: the database, as the App sees it, is gone. */
  cut(): void;
  /** Connections stay open and new ones are taken, but nothing passes: a database that stopped answering. */
  hang(): void;
  /** Connections pass again. */
  restore(): void;
  close(): Promise<void>;
}

/** A TCP relay in front of the test PostgreSQL that a test can cut, as a restart or a failover does. */
export async function databaseRelay(): Promise<DatabaseRelay> {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let open = true;
  let hung = false;
  const pairs = new Set<[Socket, Socket]>();
  const relay = createServer((client) => {
    if (!open) return client.destroy();
    sockets.add(client);
    client.on("error", () => client.destroy()).on("close", () => sockets.delete(client));
    if (hung) return; // taken, never answered
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      pairs.delete(pair);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = "127.0.0.1";
  url.port = String((relay.address() as AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    hang() {
      hung = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      open = true;
      if (hung) {
        // Hung connections cannot be resumed mid-protocol: end them, as a partition that heals often does.
        hung = false;
        for (const s of sockets) s.destroy();
      }
    },
    close() {
      open = false;
      for (const s of sockets) s.destroy();
      return new Promise((r) => relay.close(() => r()));
    },
  };
}
