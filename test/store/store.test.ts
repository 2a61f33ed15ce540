// The store on both engines, same assertions: a real PostgreSQL (schema per test) and the embedded PGlite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../src/store/migrations.js";
import { postgresSql } from "../../src/store/sql.js";
import { Store } from "../../src/store/store.js";
import { noGo, report } from "../report/fixtures.js";
import {
  dropSchema,
  type Engine,
  storeEngines,
  TEST_DATABASE_URL,
  uniqueSchema,
} from "../support/database.js";

const engines = await storeEngines("store");

const gate = (runId: number, over: Partial<Parameters<Store["waitGate"]>[0]> = {}) => ({
  installationId: 7,
  owner: "acme",
  repo: "api",
  runId,
  environment: "production",
  sha: "a".repeat(40),
  callbackUrl: `https://api.github.com/repos/acme/api/actions/runs/${runId}/deployment_protection_rule`,
  job: { type: "deployment", deployment: { environment: "production", sha: "a".repeat(40), runId } },
  ...over,
});

describe.each(engines.map((e) => [e.name, e] as const))("store on %s", (_name, engine: Engine) => {
  beforeAll(() => engine.warm(), 180_000);
  afterAll(() => engine.end());

  async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
    const { store, drop } = await engine.open();
    try {
      return await work(store);
    } finally {
      await drop();
    }
  }

  it("migrates once: a second migrate applies nothing, the tables answer", () =>
    withStore(async (store) => {
      expect(await migrate(store.sql)).toEqual([]);
      const versions = await store.sql.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      );
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
      await store.ping();
    }));

  it("refuses a database whose schema is newer than this release", () =>
    withStore(async (store) => {
      await store.sql.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
      await expect(migrate(store.sql)).rejects.toThrow(/version 999, newer than this release knows/);
    }));

  it("takes a delivery id once", () =>
    withStore(async (store) => {
      expect(await store.claimDelivery("d-1")).toBe(true);
      expect(await store.claimDelivery("d-1")).toBe(false);
      expect(await store.claimDelivery("d-2")).toBe(true);
      await store.sql.query("UPDATE deliveries SET received_at = now() - interval '8 days' WHERE id = 'd-1'");
      expect(await store.pruneDeliveries(7)).toBe(1);
      expect(await store.claimDelivery("d-1")).toBe(true);
    }));

  it("keeps a pending gate by run and environment, finds it by commit, answers it exactly once", () =>
    withStore(async (store) => {
      const first = await store.waitGate(gate(101));
      expect(first?.state).toBe("pending");
      // The same run and environment (any case) is the same gate: its job is refreshed, not duplicated.
      const again = await store.waitGate(gate(101, { environment: "Production", job: { n: 2 } }));
      expect(again?.id).toBe(first?.id);
      await store.waitGate(gate(102, { sha: "b".repeat(40) }));
      const onA = await store.pendingGatesOn("ACME", "api", "a".repeat(40));
      expect(onA.map((g) => [g.runId, g.job, g.installationId])).toEqual([[101, { n: 2 }, 7]]);

      let sent = 0;
      const send = async () => {
        sent++;
      };
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => store.answerGate(gate(101), "approved", "GO", send)),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(sent).toBe(1);
      expect((await store.gate("acme", "api", 101, "production"))?.state).toBe("approved");
      expect(await store.pendingGatesOn("acme", "api", "a".repeat(40))).toEqual([]);
      // An answered gate is not reopened by a late pending evaluation.
      expect(await store.waitGate(gate(101))).toBeNull();
      expect(await store.answerGate(gate(101), "rejected", "late", send)).toBe(false);
      expect(sent).toBe(1);
    }));

  it("a gate answered without ever waiting is recorded, and a failed answer leaves it pending", () =>
    withStore(async (store) => {
      await expect(
        store.answerGate(gate(201), "rejected", "x", async () => {
          throw new Error("GitHub answered 502");
        }),
      ).rejects.toThrow("502");
      expect((await store.gate("acme", "api", 201, "production"))?.state).toBe("pending");
      expect(await store.answerGate(gate(201), "rejected", "NO-GO", async () => {})).toBe(true);
      expect(await store.countGates("rejected")).toBe(1);
    }));

  it("a claim whose replica died is taken over after the lease; stale and old gates are swept", () =>
    withStore(async (store) => {
      await store.waitGate(gate(301));
      await store.waitGate(gate(302));
      // Replica A claimed 301 and died before answering.
      await store.sql.query(
        "UPDATE deployment_gates SET state = 'answering', claimed_at = now() WHERE run_id = 301",
      );
      expect(await store.answerGate(gate(301), "approved", "GO", async () => {})).toBe(false);
      await store.sql.query(
        "UPDATE deployment_gates SET claimed_at = now() - interval '10 minutes', updated_at = now() - interval '10 minutes'",
      );
      expect((await store.staleGates(60)).map((g) => g.runId)).toEqual([301, 302]);
      expect(await store.answerGate(gate(301), "approved", "GO", async () => {})).toBe(true);
      await store.sql.query(
        "UPDATE deployment_gates SET created_at = now() - interval '31 days' WHERE run_id = 302",
      );
      expect(await store.expireGates(30)).toBe(1);
      expect(await store.staleGates(0)).toEqual([]);
    }));

  it("records verdicts and lists them by repository, newest first, page by page", () =>
    withStore(async (store) => {
      const base = Date.parse("2026-11-01T10:00:00Z");
      for (let i = 0; i < 5; i++) {
        const r = i % 2 ? noGo() : report();
        await store.recordVerdict({
          repository: i < 4 ? "acme/api" : "acme/web",
          targetKind: "pull_request",
          targetNumber: 40 + i,
          sha: String(i).repeat(40),
          report: { ...r, evaluatedAt: new Date(base + i * 60_000).toISOString() },
        });
      }
      const page1 = await store.listVerdicts({ repository: "ACME/api", limit: 3 });
      expect(page1.map((v) => v.targetNumber)).toEqual([43, 42, 41]);
      const page2 = await store.listVerdicts({ repository: "acme/api", limit: 3, before: page1[2]!.id });
      expect(page2.map((v) => v.targetNumber)).toEqual([40]);
      const nogo = page1[0]!;
      expect(nogo).toMatchObject({
        repository: "acme/api",
        verdict: "no-go",
        score: 72.5,
        minScore: 80,
        mode: "block",
        incomplete: true,
        context: "pull_request",
        evaluatedAt: new Date(base + 3 * 60_000),
      });
      expect(nogo.categories).toContainEqual({ id: "security", score: 87.5, weight: 15 });
      expect(nogo.checks.length).toBe(noGo().checks.length);
      expect(nogo.checks[0]).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          status: expect.any(String),
          credit: expect.any(Number),
        }),
      );
      expect(nogo.waivers).toEqual(
        noGo()
          .waivers.filter((w) => w.state === "applied")
          .map((w) => expect.objectContaining({ check: w.check, expires: w.expires })),
      );
      expect((await store.listVerdicts()).length).toBe(5);
    }));

  it("prunes verdicts older than the retention, in batches, and keeps the rest", () =>
    withStore(async (store) => {
      const DAY = 86_400_000;
      const ages = [800, 401, 399, 30, 0];
      for (const [i, days] of ages.entries())
        await store.recordVerdict({
          repository: "acme/api",
          targetKind: "pull_request",
          targetNumber: i + 1,
          sha: String(i).repeat(40),
          report: { ...report(), evaluatedAt: new Date(Date.now() - days * DAY).toISOString() },
        });
      // A batch of one: the loop must go on until nothing is left to delete.
      expect(await store.pruneVerdicts(400, 1)).toBe(2);
      expect((await store.listVerdicts()).map((v) => v.targetNumber)).toEqual([5, 4, 3]);
      expect(await store.pruneVerdicts(400)).toBe(0);
      expect(await store.pruneVerdicts(7)).toBe(2);
      expect((await store.listVerdicts()).map((v) => v.targetNumber)).toEqual([5]);
    }));
});

describe("embedded store under a data directory", () => {
  it("keeps gates and history across a restart (close, open again)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "readiness-store-"));
    try {
      const a = await Store.open({ dataDir: dir });
      expect(a.engine).toBe("pglite");
      await a.waitGate(gate(501));
      await a.recordVerdict({
        repository: "acme/api",
        targetKind: "release",
        targetNumber: 9,
        sha: "c".repeat(40),
        report: report(),
      });
      await a.close();
      const b = await Store.open({ dataDir: dir });
      try {
        expect((await b.pendingGatesOn("acme", "api", "a".repeat(40))).map((g) => g.runId)).toEqual([501]);
        expect((await b.listVerdicts({ repository: "acme/api" })).map((v) => v.targetKind)).toEqual([
          "release",
        ]);
        expect(await migrate(b.sql)).toEqual([]);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.runIf(engines.length === 2)("migrations on PostgreSQL", () => {
  it("replicas starting together: eight migrate at once, each step is applied once", async () => {
    const schema = uniqueSchema();
    const sqls = await Promise.all(
      Array.from({ length: 8 }, () => postgresSql({ connectionString: TEST_DATABASE_URL, schema, max: 2 })),
    );
    try {
      const applied = await Promise.all(sqls.map((s) => migrate(s)));
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`);
      await client.end();
      expect(rows[0].n).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(sqls.map((s) => s.close()));
      await dropSchema(schema);
    }
  });

  it("a database that does not answer fails the open with the reason, within the bound", async () => {
    const started = Date.now();
    await expect(
      Store.open({
        databaseUrl: "postgres://postgres@127.0.0.1:1/none",
        schema: uniqueSchema(),
        timeoutMs: 2_000,
      }),
    ).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
