// Bursts: 50 workflow_run.completed deliveries for one commit within one second cost at most 2 evaluations.
//
//   npx tsx bench/burst.ts [--events 50] [--rounds 5] [--latency 50] [--wait-quiet] [--no-doc]
//
// The built App server (`node dist/app/main.js`) against the stand-in answering after `--latency` ms, one
// release PR under the largest policy in examples/. Each round gives the PR a new head commit, then sends
// `--events` workflow_run.completed deliveries for it (distinct run ids and delivery ids, as 50 workflows
// finishing would), in two shapes:
//   spread: evenly over one second (one every 20 ms);
//   at once: all concurrently.
// Evaluations per burst are counted twice: from /metrics (readiness_evaluations_total) and from the
// stand-in's log (an evaluation starts by looking up the commit's check run by name).
import { randomUUID } from "node:crypto";
import {
  args,
  commandLine,
  ensureBuilt,
  load,
  machine,
  provenance,
  sleep,
  waitForQuiet,
  writeSection,
} from "./support/common.js";
import { closeAgent, deliver, drained, KEYS, scrape, signed, startApp, total } from "./support/server.js";
import { createWorld } from "./support/world.js";

const a = args();
const EVENTS = a.num("--events", 50);
const ROUNDS = a.num("--rounds", 5);
const LATENCY = a.num("--latency", 50);
const TARGET = 2;

const notes: string[] = [];
ensureBuilt(notes);
const loadBefore = a.has("--wait-quiet") ? await waitForQuiet(1.5, 600) : load();
const m = machine();
const world = await createWorld({ latencyMs: LATENCY, pulls: 1, publicKey: KEYS.publicKey });
const app = await startApp(world.gh.host);
const pr = world.pulls[0]!;

interface Burst {
  shape: "spread" | "at once";
  round: number;
  acked: number;
  sendMs: number;
  metric: number;
  lookups: number;
  coalesced: number;
  settleMs: number;
  conclusion: string;
}

const lookups = (sha: string) =>
  world.gh.requests.filter(
    (q) => q.method === "GET" && q.path.includes(`/commits/${sha}/check-runs`) && q.query.has("check_name"),
  ).length;

async function burst(shape: Burst["shape"], round: number): Promise<Burst> {
  const sha = world.push(pr);
  const bodies = [];
  for (let i = 0; i < EVENTS; i++) {
    const p = world.workflowRunEvent(pr, i % 2 ? "load" : "ci") as {
      workflow_run: { id: number; name: string };
    };
    p.workflow_run.id = 900_000 + round * 1_000 + i;
    p.workflow_run.name = `Workflow ${i + 1}`;
    bodies.push(await signed("workflow_run", p));
  }
  const before = await scrape(app.url);
  const t0 = performance.now();
  let results: { status: number }[];
  if (shape === "at once") {
    results = await Promise.all(bodies.map((b) => deliver(app.url, b, randomUUID())));
  } else {
    const pending = [];
    for (let i = 0; i < bodies.length; i++) {
      const wait = t0 + (i * 1000) / EVENTS - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(deliver(app.url, bodies[i]!, randomUUID()));
    }
    results = await Promise.all(pending);
  }
  const sendMs = performance.now() - t0;
  if (!(await drained(app.url, 60_000))) throw new Error("queue did not drain within 60 s");
  const settleMs = performance.now() - t0;
  const after = await scrape(app.url);
  const d = (name: string) => total(after, name) - total(before, name);
  const run = world.gh.checkRuns.filter((r) => r.head_sha === sha).at(-1);
  return {
    shape,
    round,
    acked: results.filter((r) => r.status >= 200 && r.status < 300).length,
    sendMs,
    metric: d("readiness_evaluations_total"),
    lookups: lookups(sha),
    coalesced: d("readiness_queue_coalesced_total"),
    settleMs,
    conclusion: `${run?.status}/${run?.conclusion}`,
  };
}

try {
  console.log(`Bursts: ${EVENTS} workflow_run.completed for one commit, ${ROUNDS} rounds per shape`);
  // Warm-up: the token, the JIT and the PR's first evaluation.
  await deliver(app.url, await signed("pull_request", world.pullRequestEvent(pr)));
  if (!(await drained(app.url, 60_000))) throw new Error("warm-up did not finish");
  await sleep(1_500);

  const bursts: Burst[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const shape of ["spread", "at once"] as const) {
      const b = await burst(shape, round);
      bursts.push(b);
      console.log(
        `  round ${round} ${shape.padEnd(7)}: ${b.acked}/${EVENTS} acknowledged in ${b.sendMs.toFixed(0)} ms; evaluations ${b.metric} (/metrics) ${b.lookups} (stand-in); ${b.coalesced} coalesced; settled after ${(b.settleMs / 1000).toFixed(1)} s; run ${b.conclusion}`,
      );
      await sleep(1_500);
    }
  }
  const worst = Math.max(...bursts.map((b) => Math.max(b.metric, b.lookups)));
  const allAcked = bursts.every((b) => b.acked === EVENTS);
  const allDone = bursts.every((b) => b.conclusion === "completed/success");
  const loadAfter = load();
  console.log(
    `target: at most ${TARGET} evaluations per burst: ${worst <= TARGET ? "met" : "NOT met"} (worst ${worst}); all acknowledged: ${allAcked}; every run completed GO: ${allDone}`,
  );
  console.log(`load average before: ${loadBefore}; after: ${loadAfter}`);
  for (const n of notes) console.log(`note: ${n}`);

  if (!a.has("--no-doc")) {
    const rows = bursts
      .map(
        (b) =>
          `| ${b.round} | ${b.shape} | ${b.acked}/${EVENTS} in ${b.sendMs.toFixed(0)} ms | ${b.metric} | ${b.lookups} | ${b.coalesced} | ${(b.settleMs / 1000).toFixed(1)} s | ${b.conclusion} |`,
      )
      .join("\n");
    writeSection(
      "burst",
      `## Bursts (bench/burst.ts)

${provenance(m, commandLine("burst.ts"), loadBefore, loadAfter)}
- Set-up: the built server against the stand-in answering after ${LATENCY} ms; one release PR under
  \`${world.policyFile}\`. Each round gives the PR a new head, then sends ${EVENTS} workflow_run.completed deliveries
  for it (distinct run and delivery ids), spread evenly over one second or all at once.${notes.map((n) => `\n- Note: ${n}`).join("")}
- Target: at most ${TARGET} evaluations per burst: **${worst <= TARGET ? "met" : "missed"}** (worst burst: ${worst}).

| Round | Shape | Acknowledged | Evaluations (/metrics) | Evaluations (stand-in) | Coalesced | Settled | Check run |
| ---: | --- | --- | ---: | ---: | ---: | ---: | --- |
${rows}

A burst costs one evaluation when it starts and one re-run for everything that arrived while it ran (the
queue keeps at most one parked item per commit and context). "Coalesced" counts deliveries folded into a
queued or running job, fan-out from the commit job to the PR job included; "settled" is from the first
delivery until the queue was empty, the check run's writes included (one write a second per installation).`,
    );
  }
} finally {
  closeAgent();
  await app.stop();
  await world.stop();
}
