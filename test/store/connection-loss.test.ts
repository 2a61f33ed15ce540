// A PostgreSQL that ends a connection the App holds (a restart, a failover, pg_terminate_backend) must not end
// the App: the work on that connection fails and is retried; the store answers again once the server does.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { SharedQueue } from "../../src/store/job-queue.js";
import { Store } from "../../src/store/store.js";
import { dropSchema, postgresForTests, TEST_DATABASE_URL, uniqueSchema } from "../support/database.js";

const onPostgres = await postgresForTests("connection loss");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ends the backends of `pids` as an administrator would. */
async function terminate(pids: number[]): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
  } finally {
    await admin.end();
  }
}

describe.runIf(onPostgres)("a connection ended by the server", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it("held for a lock: the work fails, the process lives, the store answers again", async () => {
    const schema = uniqueSchema("lost");
    const store = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
    cleanup.push(
      () => store.close(),
      () => dropSchema(schema),
    );
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on("uncaughtException", onCrash);
    try {
      const held = store.sql.withAdvisoryLock(4242, async (tx) => {
        const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await terminate([row!.pid]);
        // Idle on the lost connection for a moment, as an evaluation holding a lock is.
        await sleep(300);
        return tx.query("SELECT 1");
      });
      await expect(held).rejects.toThrow();
      await sleep(200);
      expect(crashes).toEqual([]);
      expect(await store.sql.query<{ ok: number }>("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      process.off("uncaughtException", onCrash);
    }
  });

  it("held by a running job: the process lives and the job is run again", async () => {
    const schema = uniqueSchema("lostq");
    const store = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
    const runs: string[] = [];
    const q = await SharedQueue.start<string>({
      connectionString: TEST_DATABASE_URL,
      schema,
      sql: store.sql,
      concurrency: 1,
      maxQueued: 10,
      pollingSeconds: 0.5,
      retryLimit: 2,
      worker: async (item) => {
        runs.push(item);
        if (runs.length > 1) return;
        // The job's own connection holds the key's advisory lock: find it and end it mid-run.
        const [row] = await store.sql.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1
             AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 7)`,
          ["queue:k"],
        );
        await terminate([row!.pid]);
        await sleep(300);
      },
    });
    cleanup.push(
      () => q.drain(1_000),
      () => store.close(),
      () => dropSchema(schema),
      () => dropSchema(`${schema}_boss`),
    );
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on("uncaughtException", onCrash);
    try {
      await q.push("k", "item");
      const t0 = Date.now();
      while (runs.length < 2 && Date.now() - t0 < 20_000) await sleep(200);
      expect(crashes).toEqual([]);
      expect(runs).toEqual(["item", "item"]);
    } finally {
      process.off("uncaughtException", onCrash);
    }
  }, 30_000);

  it("a job finishing while its queue's tables cannot be reached does not end the process", async () => {
    const schema = uniqueSchema("lostc");
    const store = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
    const boss = `"${schema}_boss"`;
    let ran = 0;
    const q = await SharedQueue.start<string>({
      connectionString: TEST_DATABASE_URL,
      schema,
      sql: store.sql,
      concurrency: 1,
      maxQueued: 10,
      pollingSeconds: 0.5,
      worker: async () => {
        ran++;
        // pg-boss then marks the job completed, without awaiting it: that statement fails, as with the
        // database stopped.
        if (ran === 1) await store.sql.query(`ALTER TABLE ${boss}.job RENAME TO job_away`);
      },
    });
    cleanup.push(
      () => q.drain(1_000),
      () => store.close(),
      () => dropSchema(schema),
      () => dropSchema(`${schema}_boss`),
    );
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    try {
      await q.push("k", "item");
      for (const t0 = Date.now(); ran === 0 && Date.now() - t0 < 20_000; ) await sleep(100);
      await sleep(1_500);
      expect(ran).toBe(1);
      expect(rejections).toEqual([]);
    } finally {
      await store.sql.query(`ALTER TABLE IF EXISTS ${boss}.job_away RENAME TO job`).catch(() => {});
      process.off("unhandledRejection", onRejection);
    }
  }, 30_000);
});
