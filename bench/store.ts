// The store's cost on both engines: opening it (migrations included) and the writes every evaluation or
// webhook makes, medians side by side.
//
//   npx tsx bench/store.ts [--rounds 200] [--database-url postgres://postgres@127.0.0.1:5432/test]
//
// PGlite: a new data directory (initdb + migrations), the same directory opened again (a restart); PostgreSQL:
// connect + migrations in a new schema. Then, on each: claiming a delivery id, recording a verdict, and a
// gate's wait + answer (the once-only claim), `--rounds` times each.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Store } from "../src/store/store.js";
import { report } from "../test/report/fixtures.js";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const rounds = Number(opt("rounds", "200"));
const databaseUrl = opt(
  "database-url",
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return performance.now() - t;
};

async function writes(store: Store): Promise<Record<string, number>> {
  const claim: number[] = [];
  const verdict: number[] = [];
  const gate: number[] = [];
  for (let i = 0; i < rounds; i++) {
    claim.push(await time(() => store.claimDelivery(`bench-${i}`)));
    verdict.push(
      await time(() =>
        store.recordVerdict({
          repository: "acme/api",
          targetKind: "pull_request",
          targetNumber: i,
          sha: "a".repeat(40),
          report: report(),
        }),
      ),
    );
    const g = {
      installationId: 1,
      owner: "acme",
      repo: "api",
      runId: i,
      environment: "production",
      sha: "a".repeat(40),
      job: { i },
    };
    gate.push(
      await time(async () => {
        await store.waitGate(g);
        await store.answerGate(g, "approved", "GO", async () => {});
      }),
    );
  }
  return { claimDelivery: median(claim), recordVerdict: median(verdict), gateWaitAndAnswer: median(gate) };
}

const rows: Record<string, Record<string, number | string>> = {};

const dir = mkdtempSync(join(tmpdir(), "readiness-bench-store-"));
try {
  let store!: Store;
  const fresh = await time(async () => {
    store = await Store.open({ dataDir: dir });
  });
  await store.close();
  const reopen = await time(async () => {
    store = await Store.open({ dataDir: dir });
  });
  rows.pglite = {
    open: `${fresh.toFixed(0)} (new dir), ${reopen.toFixed(0)} (again)`,
    ...(await writes(store)),
  };
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const schema = `bench_${process.pid}`;
try {
  let store!: Store;
  const open = await time(async () => {
    store = await Store.open({ databaseUrl, schema });
  });
  rows.postgres = { open: `${open.toFixed(0)} (new schema)`, ...(await writes(store)) };
  await store.close();
} catch (error) {
  rows.postgres = { open: `not reachable: ${(error as Error).message}` };
} finally {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c
    .connect()
    .then(() => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    .catch(() => {});
  await c.end().catch(() => {});
}

console.log(`store: medians in ms over ${rounds} rounds (Node ${process.version})`);
const fmt = (v: number | string | undefined) => (typeof v === "number" ? v.toFixed(2) : (v ?? "-"));
console.log("| engine | open (ms) | claimDelivery | recordVerdict | gate wait + answer |");
console.log("|---|---|---|---|---|");
for (const [engine, r] of Object.entries(rows))
  console.log(
    `| ${engine} | ${fmt(r.open)} | ${fmt(r.claimDelivery)} | ${fmt(r.recordVerdict)} | ${fmt(r.gateWaitAndAnswer)} |`,
  );
