// The queue shared by replicas, on a real PostgreSQL: coalescing per key across replicas, retries, and a job
// taken by a killed replica finished by another after its lease. (Without DATABASE_URL the App keeps the
// in-process queue, tested in test/app/queue.test.ts.)
import { spawn } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { SharedQueue } from "../../src/store/job-queue.js";
import { Store } from "../../src/store/store.js";
import { dropSchema, postgresForTests, TEST_DATABASE_URL, uniqueSchema } from "../support/database.js";

const onPostgres = await postgresForTests("shared queue");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(onPostgres)("shared queue on PostgreSQL (pg-boss)", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });

  async function replicas<T>(
    n: number,
    schema: string,
    worker: (item: T, key: string, replica: number) => Promise<void>,
    extra: Partial<Parameters<typeof SharedQueue.start<T>>[0]> = {},
  ): Promise<SharedQueue<T>[]> {
    const out: SharedQueue<T>[] = [];
    for (let i = 0; i < n; i++) {
      const store = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
      const q = await SharedQueue.start<T>({
        connectionString: TEST_DATABASE_URL,
        schema,
        sql: store.sql,
        concurrency: 2,
        maxQueued: 100,
        pollingSeconds: 0.5,
        busyDelaySeconds: 1,
        worker: (item, key) => worker(item, key, i),
        ...extra,
      });
      cleanup.push(
        () => store.close(),
        () => q.drain(1_000),
      );
      out.push(q);
    }
    return out;
  }

  async function schemaFor(): Promise<string> {
    const schema = uniqueSchema();
    cleanup.unshift(async () => {
      await dropSchema(schema);
      await dropSchema(`${schema}_boss`);
    });
    return schema;
  }

  it("two replicas, 50 pushes for one key while it runs: at most 2 runs, never at once, the last sees the latest item", async () => {
    const schema = await schemaFor();
    const runs: { item: number[]; replica: number }[] = [];
    let concurrent = 0;
    let peak = 0;
    const qs = await replicas<number[]>(
      2,
      schema,
      async (item, _key, replica) => {
        concurrent++;
        peak = Math.max(peak, concurrent);
        runs.push({ item, replica });
        // The first run outlasts the burst, as an evaluation outlasts fifty webhooks in a second.
        await sleep(runs.length === 1 ? 5_000 : 500);
        concurrent--;
      },
      { merge: (a, b) => [...a, ...b] },
    );
    const results: string[] = [];
    results.push(await qs[0]!.push("acme/api:pull_request:1", [0]));
    await sleep(1_200); // the first run has started somewhere
    const burst = Date.now();
    results.push(
      ...(await Promise.all(
        Array.from({ length: 49 }, (_, i) => qs[(i + 1) % 2]!.push("acme/api:pull_request:1", [i + 1])),
      )),
    );
    expect(Date.now() - burst).toBeLessThan(3_500);
    await qs[0]!.idle();
    console.log(
      `shared queue: 50 pushes for one key over 2 replicas → ${runs.length} runs (replicas ${runs.map((r) => r.replica).join(",")}), results ${JSON.stringify(count(results))}`,
    );
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(peak).toBe(1);
    // Nothing is lost: the re-run's item holds every push merged (the first run's too: its row was not removed).
    expect([...new Set(runs.flatMap((r) => r.item))].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(runs.at(-1)!.item).toContain(49);
  }, 30_000);

  it("different keys run on both replicas; a failed run is retried; a full queue refuses", async () => {
    const schema = await schemaFor();
    const done = new Map<string, number>();
    const byReplica = new Set<number>();
    let failedOnce = false;
    const events: string[] = [];
    const qs = await replicas<string>(
      2,
      schema,
      async (_item, key, replica) => {
        if (key === "k3" && !failedOnce) {
          failedOnce = true;
          throw new Error("GitHub answered 502");
        }
        await sleep(300);
        byReplica.add(replica);
        done.set(key, (done.get(key) ?? 0) + 1);
      },
      { maxQueued: 12, onEvent: (e) => events.push(e), retryLimit: 2 },
    );
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await qs[i % 2]!.push(`k${i}`, `item ${i}`));
    await sleep(1_000);
    await qs[0]!.idle();
    expect([...done.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `k${i}`).sort());
    expect([...done.values()].every((n) => n === 1)).toBe(true);
    expect(byReplica.size).toBe(2);
    expect(events).toContain("retry");
    // Refusal: 12 distinct keys waiting is the bound.
    const stuck = await replicas<string>(1, await schemaFor(), () => new Promise(() => {}), {
      maxQueued: 2,
      concurrency: 1,
    });
    expect(await stuck[0]!.push("a", "1")).toBe("queued");
    expect(await stuck[0]!.push("b", "1")).toBe("queued");
    expect(await stuck[0]!.push("c", "1")).toBe("rejected");
    expect(await stuck[0]!.push("a", "2")).toBe("coalesced");
  }, 30_000);

  it("an urgent job (a deployment someone waits on) is fetched before the evaluations queued ahead of it", async () => {
    const order: string[] = [];
    let release!: () => void;
    const blocker = new Promise<void>((r) => {
      release = r;
    });
    const [q] = await replicas<string>(
      1,
      await schemaFor(),
      async (item) => {
        order.push(item);
        if (item === "first") await blocker;
      },
      { concurrency: 1, urgent: (item) => item.startsWith("deploy") },
    );
    await q!.push("k0", "first");
    while (order.length === 0) await sleep(50);
    for (let i = 1; i <= 5; i++) await q!.push(`k${i}`, `pr ${i}`);
    await q!.push("d", "deploy prod");
    release();
    while (order.length < 7) await sleep(100);
    expect(order).toEqual(["first", "deploy prod", "pr 1", "pr 2", "pr 3", "pr 4", "pr 5"]);
  }, 30_000);

  it("a drain that runs out of time returns within its bound and hands its running job to another replica at once", async () => {
    const runs: number[] = [];
    const qs = await replicas<string>(
      2,
      await schemaFor(),
      async (_item, _key, replica) => {
        runs.push(replica);
        if (runs.length === 1) await new Promise(() => {}); // outlasts any drain
      },
      { concurrency: 1, leaseSeconds: 300 },
    );
    await qs[0]!.push("k", "x");
    for (const start = Date.now(); runs.length === 0 && Date.now() - start < 20_000; ) await sleep(100);
    expect(runs).toHaveLength(1);
    const t0 = Date.now();
    expect(await qs[runs[0]!]!.drain(500)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(4_000);
    // The process would exit now, closing its connections and so its lock on the key.
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('queue:k', 7)`,
    );
    await admin.end();
    while (runs.length < 2 && Date.now() - t0 < 20_000) await sleep(200);
    // Long before the 300 s lease.
    expect(runs).toHaveLength(2);
    expect(runs[1]).not.toBe(runs[0]);
  }, 40_000);

  it("a replica killed with SIGKILL mid-run: after the lease another replica runs the job", async () => {
    const schema = await schemaFor();
    await Store.open({ databaseUrl: TEST_DATABASE_URL, schema }).then((s) => s.close());
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "queue-replica.ts"), TEST_DATABASE_URL, schema],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanup.push(async () => child.kill("SIGKILL"));
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    await until(() => out.includes("ready"), 20_000);
    const feeder = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
    cleanup.push(() => feeder.close());
    // Pushed by a replica without workers, so the child takes the job.
    const pusher = await SharedQueue.start<string>({
      connectionString: TEST_DATABASE_URL,
      schema,
      sql: feeder.sql,
      concurrency: 0,
      maxQueued: 10,
      worker: async () => {},
    });
    cleanup.push(() => pusher.drain(100));
    expect(await pusher.push("acme/api:pull_request:7", "evaluate #7")).toBe("queued");
    await until(() => out.includes("started acme/api:pull_request:7"), 20_000);
    const killedAt = Date.now();
    child.kill("SIGKILL");
    const ran: string[] = [];
    const events: string[] = [];
    await replicas<string>(
      1,
      schema,
      async (item) => {
        ran.push(item);
      },
      { concurrency: 1, leaseSeconds: 3, maintenanceSeconds: 1, onEvent: (e) => events.push(e) },
    );
    await until(() => ran.length > 0, 25_000);
    console.log(
      `shared queue: job of a SIGKILLed replica run by another after ${Date.now() - killedAt} ms (lease 3 s); events ${JSON.stringify(count(events))}`,
    );
    expect(ran).toEqual(["evaluate #7"]);
    expect(events).toContain("lease-expired");
  }, 60_000);
});

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

async function until(test: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(100);
  }
}
