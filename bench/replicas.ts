// One replica against three on one PostgreSQL, in the same run: throughput (completed evaluations per second)
// and webhook → completed check run latency (p50, p95), the built App against the stand-in answering every
// request after 50 ms.
//
//   npx tsx bench/replicas.ts [--pulls 10] [--installations 10] [--rounds 3] [--latency 50] [--concurrency 4]
//                             [--database postgres://postgres@127.0.0.1:5432/test] [--wait-quiet]
//
// For each configuration (1 replica, then 3): `node dist/app/main.js` × N with DATABASE_URL in a schema of
// their own (dropped afterwards), the same world (bench/support/world.ts: the largest policy in examples/ on
// `--pulls` release PRs spread in turn over `--installations` installations, each an account with a repository
// of its own; at most one per PR). `--rounds` rounds: every PR gets a new head and a pull_request.synchronize
// for it, sent at once to replicas chosen at random; the round ends when every new head's check run is
// completed. The first round warms the processes (token, JIT, ETag caches) and is not
// counted. Per counted round, throughput = PRs ÷ (last completion − first send); latency per head = its
// completion − its send. Prints only: docs/scaling.md quotes the output.
//
// The replicas share one write pace per installation through PostgreSQL (src/store/write-pace.ts): a slot a
// second, whatever the replica count. With `--installations 1` every PR waits on that one pace, so replicas
// cannot finish sooner; with many, each installation has its own pace and replicas add what CPU and the
// database allow (docs/scaling.md).
import { randomUUID } from "node:crypto";
import {
  args,
  commandLine,
  ensureBuilt,
  load,
  machine,
  median,
  ms,
  percentile,
  sleep,
  waitForQuiet,
} from "./support/common.js";
import {
  closeAgent,
  deliver,
  drained,
  dropSchemas,
  KEYS,
  type Running,
  signed,
  startApp,
} from "./support/server.js";
import { createWorld } from "./support/world.js";

const a = args();
const PULLS = a.num("--pulls", 10);
const INSTALLATIONS = Math.max(1, Math.min(PULLS, Math.floor(a.num("--installations", 10))));
const ROUNDS = Math.max(2, a.num("--rounds", 3));
const LATENCY = a.num("--latency", 50);
const CONCURRENCY = a.num("--concurrency", 4);
const DATABASE = a.str("--database", "postgres://postgres@127.0.0.1:5432/test");
const ROUND_TIMEOUT_MS = 180_000;

const notes: string[] = [];
ensureBuilt(notes);
const loadBefore = a.has("--wait-quiet") ? await waitForQuiet(1.5, 600) : load();
const m = machine();
const world = await createWorld({
  latencyMs: LATENCY,
  pulls: PULLS,
  installations: INSTALLATIONS,
  publicKey: KEYS.publicKey,
});

interface Figures {
  replicas: number;
  installations: number;
  throughput: number[];
  latencies: number[];
  evaluations: number[];
}

async function measure(count: number): Promise<Figures> {
  const schema = `bench_replicas_${randomUUID().slice(0, 8)}`;
  const apps: Running[] = [];
  try {
    const env = { DATABASE_URL: DATABASE, DATABASE_SCHEMA: schema, QUEUE_CONCURRENCY: String(CONCURRENCY) };
    // One at a time: pg-boss's set-up runs under a lock anyway, and a start is not what is measured.
    for (let i = 0; i < count; i++) apps.push(await startApp(world.gh.host, { env }));
    const out: Figures = {
      replicas: count,
      installations: INSTALLATIONS,
      throughput: [],
      latencies: [],
      evaluations: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const sent = new Map<string, number>();
      const bodies = [];
      for (const pr of world.pulls) {
        const sha = world.push(pr);
        bodies.push({ sha, body: await signed("pull_request", world.pullRequestEvent(pr)) });
      }
      const t0 = Date.now();
      const statuses = await Promise.all(
        bodies.map(({ sha, body }) => {
          sent.set(sha, Date.now());
          return deliver(apps[Math.floor(Math.random() * apps.length)]!.url, body).then((r) => r.status);
        }),
      );
      if (statuses.some((s) => s !== 200)) throw new Error(`deliveries answered ${statuses.join(",")}`);
      const end = Date.now() + ROUND_TIMEOUT_MS;
      while ([...sent.keys()].some((sha) => !world.completedAt.has(sha))) {
        if (Date.now() > end) throw new Error(`round ${round + 1}: not every check run completed in time`);
        await sleep(20);
      }
      const done = [...sent].map(([sha, at]) => world.completedAt.get(sha)! - at);
      const last = Math.max(...[...sent.keys()].map((sha) => world.completedAt.get(sha)!));
      for (const app of apps)
        if (!(await drained(app.url, 60_000))) throw new Error(`${app.name}: queue did not drain`);
      const label = round === 0 ? "warm-up" : `round ${round}`;
      process.stderr.write(
        `  ${count} replica(s), ${label}: ${PULLS} heads completed in ${ms(last - t0, 0)}; latency p50 ${ms(median(done), 0)}\n`,
      );
      if (round === 0) continue;
      out.throughput.push(PULLS / ((last - t0) / 1000));
      out.latencies.push(...done);
    }
    return out;
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await dropSchemas(DATABASE, [schema, `${schema}_boss`]).catch(() => {});
  }
}

console.log(
  `Replicas: node dist/app/main.js × 1 and × 3 on PostgreSQL ${new URL(DATABASE).host}; stand-in answers after ${LATENCY} ms`,
);
console.log(
  `policy: ${world.policyFile}; ${PULLS} release PRs over ${INSTALLATIONS} installation(s); ${ROUNDS - 1} counted rounds of ${PULLS} new heads after one warm-up round; QUEUE_CONCURRENCY=${CONCURRENCY}`,
);
try {
  const results: Figures[] = [];
  for (const count of [1, 3]) results.push(await measure(count));
  const loadAfter = load();
  const row = (f: Figures) => {
    const tp = median(f.throughput);
    return {
      replicas: f.replicas,
      installations: f.installations,
      tp,
      p50: median(f.latencies),
      p95: percentile(f.latencies, 95),
      n: f.latencies.length,
    };
  };
  const [one, three] = results.map(row) as [ReturnType<typeof row>, ReturnType<typeof row>];
  console.log(
    "\n| Replicas | Installations | Evaluations/s (median of rounds) | Webhook → completed p50 | p95 | Heads measured |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of [one, three])
    console.log(
      `| ${r.replicas} | ${r.installations} | ${r.tp.toFixed(2)} | ${ms(r.p50, 0)} | ${ms(r.p95, 0)} | ${r.n} |`,
    );
  console.log(
    `\n3 replicas ÷ 1: throughput ×${(three.tp / one.tp).toFixed(2)}, p50 latency ×${(three.p50 / one.p50).toFixed(2)}`,
  );
  console.log(`date ${m.date}; ${m.os}, ${m.cpus}, ${m.memory}, Node ${m.node}; ${m.source}`);
  console.log(`load average before: ${loadBefore}; after: ${loadAfter}`);
  console.log(`command: ${commandLine("replicas.ts")}`);
  for (const n of notes) console.log(`note: ${n}`);
} finally {
  closeAgent();
  await world.stop();
}
