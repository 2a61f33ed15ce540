// Webhook acknowledgement latency and webhook-to-completed-check-run latency of the built App server
// (`node dist/app/main.js`) against the GitHub stand-in answering every request after 50 ms.
//
//   npx tsx bench/latency.ts [--acks 600] [--rate 20] [--completions 20] [--latency 50] [--pulls 5]
//                            [--profile] [--wait-quiet] [--no-doc]
//
// 1. Acknowledgements: `--acks` signed deliveries on a fixed schedule (`--rate` per second, open loop: a
//    slow answer does not delay the next send), alternating pull_request.synchronize and
//    workflow_run.completed for the heads of `--pulls` release PRs, so evaluations run behind them the
//    whole time. Latency: from writing the request to the end of the response, over a keep-alive connection.
// 2. Completion: `--completions` times, one PR gets a new head and a synchronize for it; the time from
//    sending it to the stand-in receiving the write that completes the commit's check run. One at a time,
//    1.5 s apart after the previous evaluation finished (its last write included), so each is measured alone.
//    The stand-in's request log splits each into: delivery → the POST creating the in_progress run (policy
//    of base and head, run lookup), POST → the PATCH completing it, when the evidence GETs in between were
//    done, and which other writes went out between the two (each costs a throttle slot).
// Phase 1 also reads the App's own event-loop delay (prom-client's nodejs_eventloop_lag, reset per scrape).
// With --profile the App runs under the V8 profiler (node --cpu-prof, into bench/.cache/latency-profile/),
// and what kept its event loop busy during phase 1 is printed: busy time by area and the longest stretches
// without an idle sample (an upper bound on what an acknowledgement waited). The profiler adds overhead.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  args,
  commandLine,
  ensureBuilt,
  load,
  machine,
  median,
  ms,
  percentile,
  provenance,
  ROOT,
  sleep,
  waitForQuiet,
  writeSection,
} from "./support/common.js";
import { summarizeProfile } from "./support/profile.js";
import {
  closeAgent,
  deliver,
  drained,
  KEYS,
  type Signed,
  scrape,
  signed,
  startApp,
  total,
} from "./support/server.js";
import { createWorld } from "./support/world.js";

const a = args();
const ACKS = a.num("--acks", 600);
const RATE = a.num("--rate", 20);
const COMPLETIONS = a.num("--completions", 20);
const LATENCY = a.num("--latency", 50);
const PULLS = a.num("--pulls", 5);
const TARGET_ACK_P99 = 100;
const PROFILE = a.has("--profile");
const PROFILE_DIR = join(ROOT, "bench/.cache/latency-profile", String(Date.now()));
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const notes: string[] = [];
ensureBuilt(notes);
const loadBefore = a.has("--wait-quiet") ? await waitForQuiet(1.5, 600) : load();
const m = machine();
const world = await createWorld({ latencyMs: LATENCY, pulls: PULLS, publicKey: KEYS.publicKey });
if (PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });
const app = await startApp(world.gh.host, {
  nodeArgs: PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [],
});
console.log(`Webhook latency: ${app.url} (node dist/app/main.js) against the stand-in at ${world.gh.origin}`);
console.log(`policy: ${world.policyFile}; stand-in answers after ${LATENCY} ms; ${PULLS} release PRs`);

try {
  // Warm-up: the token, the JIT, every PR's first (cold) evaluation with its three writes.
  for (const pr of world.pulls)
    await deliver(app.url, await signed("pull_request", world.pullRequestEvent(pr)));
  if (!(await drained(app.url, 120_000))) throw new Error("warm-up evaluations did not finish in 120 s");

  // ---------------------------------------------------------------- 1. acknowledgements
  const pool: Signed[] = [];
  for (const pr of world.pulls) {
    pool.push(await signed("pull_request", world.pullRequestEvent(pr)));
    pool.push(await signed("workflow_run", world.workflowRunEvent(pr)));
  }
  const before = await scrape(app.url);
  const acks: number[] = [];
  const statuses = new Map<number, number>();
  const inflight: Promise<void>[] = [];
  const phaseFrom = monotonicUs();
  const t0 = performance.now();
  for (let i = 0; i < ACKS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const body = pool[i % pool.length]!;
    inflight.push(
      deliver(app.url, body, randomUUID()).then(
        (r) => {
          acks.push(r.ms);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        },
        () => {
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const sendSeconds = (performance.now() - t0) / 1000;
  const phaseTo = monotonicUs();
  // prom-client resets its event-loop delay histogram on every scrape: this one covers the phase alone.
  const during = await scrape(app.url);
  const lag = {
    p99: total(during, "readiness_nodejs_eventloop_lag_p99_seconds") * 1000,
    max: total(during, "readiness_nodejs_eventloop_lag_max_seconds") * 1000,
  };
  const queueDrained = await drained(app.url, 120_000);
  const after = await scrape(app.url);
  const evaluations =
    total(after, "readiness_evaluations_total") - total(before, "readiness_evaluations_total");
  const coalesced =
    total(after, "readiness_queue_coalesced_total") - total(before, "readiness_queue_coalesced_total");
  const ok2xx = [...statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0);
  const ack = {
    p50: median(acks),
    p99: percentile(acks, 99),
    max: Math.max(...acks),
  };
  console.log(
    `\nacknowledgements: ${ACKS} deliveries at ${RATE}/s (${sendSeconds.toFixed(1)} s), ${ok2xx} answered 2xx; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  console.log(`  ack p50 ${ms(ack.p50)}, p99 ${ms(ack.p99)}, max ${ms(ack.max)}`);
  console.log(
    `  the App's event-loop delay over the phase (prom-client): p99 ${ms(lag.p99)}, max ${ms(lag.max)}`,
  );
  console.log(
    `  behind them: ${evaluations} evaluations, ${coalesced} deliveries coalesced into queued or running ones; queue drained: ${queueDrained}`,
  );

  // ---------------------------------------------------------------- 2. completion
  interface Sample {
    total: number;
    /** Delivery → the POST that creates the in_progress run arrives. */
    toStart: number;
    /** POST → the PATCH that completes the run arrives. */
    postToPatch: number;
    /** POST answered → the last evidence GET answered. */
    evidence: number;
    reads: number;
    /** The run was created completed: no "Evaluating…" POST before it. */
    oneWrite: boolean;
    /** Writes that went out between the POST and the PATCH (each one throttled a second apart). */
    between: string[];
  }
  const samples: Sample[] = [];
  const TARGET_COMPLETION_P95 = 1_000;
  for (let i = 0; i < COMPLETIONS; i++) {
    await sleep(1_500);
    const pr = world.pulls[i % world.pulls.length]!;
    const sha = world.push(pr);
    const body = await signed("pull_request", world.pullRequestEvent(pr));
    const from = world.gh.requests.length;
    const sent = Date.now();
    const r = await deliver(app.url, body);
    if (r.status !== 200) throw new Error(`delivery answered ${r.status}`);
    const end = Date.now() + 30_000;
    while (!world.completedAt.has(sha) && Date.now() < end) await sleep(5);
    const done = world.completedAt.get(sha);
    if (done === undefined) throw new Error(`check run of ${sha} not completed within 30 s`);
    if (!(await drained(app.url, 30_000))) throw new Error("queue did not drain");
    const log = world.gh.requests.slice(from).filter((q) => q.at <= done);
    const post = log.find((q) => q.method === "POST" && q.path.endsWith("/check-runs"));
    // A quick evaluation creates the run completed (one POST); a slow one shows "Evaluating…" first, then
    // PATCHes it. Both ways, "patch" is the write that completes the run.
    const patch =
      [...log].reverse().find((q) => q.method === "PATCH" && q.path.includes("/check-runs/")) ?? post;
    const reads = log.filter(
      (q) => q.method === "GET" && post && q.at >= post.at && (!patch || q.at <= patch.at),
    );
    if (!post || !patch) throw new Error("no write of the check run in the stand-in's log");
    if (post === patch) reads.push(...log.filter((q) => q.method === "GET" && q.at < post.at));
    const lastRead = Math.max(...reads.map((q) => q.at + LATENCY), post.at + LATENCY);
    samples.push({
      total: done - sent,
      toStart: post.at - sent,
      oneWrite: post === patch,
      postToPatch: patch.at - post.at,
      evidence: lastRead - (post.at + LATENCY),
      reads: reads.length,
      between: log
        .filter((q) => q.method !== "GET" && q.at > post.at && q.at < patch.at)
        .map((q) => `${q.method} ${q.path.replace(/^\/repos\/[^/]+\/[^/]+/, "").replace(/\d+$/, "{id}")}`),
    });
    process.stderr.write(`  completion ${i + 1}/${COMPLETIONS}: ${done - sent} ms\n`);
  }
  const totals = samples.map((s) => s.total);
  const completion = { p50: median(totals), p95: percentile(totals, 95), max: Math.max(...totals) };
  const seg = {
    toStart: median(samples.map((s) => s.toStart)),
    postToPatch: median(samples.map((s) => s.postToPatch)),
    evidence: median(samples.map((s) => s.evidence)),
    reads: median(samples.map((s) => s.reads)),
  };
  // The PATCH waited on the throttle when it went out well after the evidence was in.
  const waited = seg.postToPatch - LATENCY - seg.evidence;
  const between = samples[Math.floor(samples.length / 2)]!.between;
  const writesNote = between.length
    ? `; ${between.length} other write${between.length === 1 ? "" : "s"} went out between them (${between.join(", ")}), each a throttle slot`
    : "";
  const dominant =
    waited > 100 && seg.postToPatch >= 950
      ? `the write throttle: Probot's throttling plugin lets one write per installation through per second, so the PATCH completing the run left ${ms(seg.postToPatch, 0)} after the POST that created it, ${ms(waited, 0)} after the evidence was in${writesNote}`
      : seg.evidence >= seg.toStart
        ? "collecting evidence (GETs at the stand-in's latency)"
        : "work before the run is created (token, policy of base and head, run lookup)";
  const loadAfter = load();
  console.log(`\ncompletion: ${COMPLETIONS} synchronize deliveries with a new head, one at a time`);
  console.log(`  p50 ${ms(completion.p50, 0)}, p95 ${ms(completion.p95, 0)}, max ${ms(completion.max, 0)}`);
  console.log(
    `  medians: delivery → POST of the in_progress run ${ms(seg.toStart, 0)}; POST → completing PATCH ${ms(seg.postToPatch, 0)}; evidence (${seg.reads} GETs, answers at +${LATENCY} ms) done ${ms(seg.evidence, 0)} after the POST was answered`,
  );
  console.log(`  dominated by: ${dominant}`);
  const oneWrite = samples.filter((x) => x.oneWrite).length;
  console.log(
    `  runs created completed in one write (no "Evaluating…" first): ${oneWrite}/${samples.length}; target p95 ≤ ${TARGET_COMPLETION_P95} ms: ${completion.p95 <= TARGET_COMPLETION_P95 ? "met" : `NOT met (by ${ms(completion.p95 - TARGET_COMPLETION_P95, 0)})`}`,
  );
  console.log(
    `target: ack p99 < ${TARGET_ACK_P99} ms: ${ack.p99 < TARGET_ACK_P99 ? "met" : `NOT met (by ${ms(ack.p99 - TARGET_ACK_P99)})`}`,
  );
  console.log(`load average before: ${loadBefore}; after: ${loadAfter}`);
  for (const n of notes) console.log(`note: ${n}`);

  // The profile is written when the App exits.
  let profileText = "";
  if (PROFILE) {
    await app.stop();
    const p = summarizeProfile(PROFILE_DIR, phaseFrom, phaseTo);
    if (!p) throw new Error(`no CPU profile in ${PROFILE_DIR}`);
    const pct = (x: number) => `${((100 * x) / p.windowMs).toFixed(1)}%`;
    console.log(
      `\nthe App's CPU during phase 1 (V8 profile): busy ${ms(p.busyMs, 0)} of ${ms(p.windowMs, 0)} (${pct(p.busyMs)})`,
    );
    for (const [area, t] of p.areas) console.log(`  ${ms(t, 0).padStart(9)}  ${pct(t).padStart(6)}  ${area}`);
    console.log("  longest stretches without an idle sample (at most what a delivery arriving then waited):");
    const parts = (x: [string, number][]) =>
      x
        .slice(0, 3)
        .map(([area, t]) => `${area} ${ms(t, 0)}`)
        .join(", ");
    for (const s of p.longest) console.log(`    ${ms(s.ms, 0)}: ${parts(s.areas)}`);
    profileText = `

With \`--profile\` the App ran under the V8 sampling profiler (which adds some overhead to every figure above).
During the acknowledgement phase it was busy ${ms(p.busyMs, 0)} of ${ms(p.windowMs, 0)} (${pct(p.busyMs)} of one core):

| Area (innermost frame) | Busy | Share of the phase |
| --- | ---: | ---: |
${p.areas.map(([area, t]) => `| ${area} | ${ms(t, 0)} | ${pct(t)} |`).join("\n")}

The longest stretches without an idle sample (an upper bound on what a delivery arriving then waited: the
loop may serve sockets between the tasks of one stretch; the event-loop delay above is the direct measure):
${p.longest.map((s) => `${ms(s.ms, 0)} (${parts(s.areas)})`).join("; ")}.`;
  }

  if (!a.has("--no-doc")) {
    writeSection(
      "latency",
      `## Webhook latency (bench/latency.ts)

${provenance(m, commandLine("latency.ts"), loadBefore, loadAfter)}
- Set-up: the built server (\`node dist/app/main.js\`, LOG_LEVEL=info) against the GitHub stand-in on 127.0.0.1,
  every stand-in answer delayed ${LATENCY} ms; policy \`${world.policyFile}\` (the largest in examples/) on ${PULLS}
  release PRs; real payloads from @octokit/webhooks-examples, HMAC-signed.${notes.map((n) => `\n- Note: ${n}`).join("")}

| Figure | Value | Target |
| --- | ---: | --- |
| Acknowledgement p50 (${ACKS} deliveries at ${RATE}/s, evaluations running behind) | ${ms(ack.p50)} | |
| Acknowledgement p99 | ${ms(ack.p99)} | < ${TARGET_ACK_P99} ms: **${ack.p99 < TARGET_ACK_P99 ? "met" : "missed"}** |
| Acknowledgement max | ${ms(ack.max)} | |
| Deliveries answered 2xx | ${ok2xx} / ${ACKS} | all |
| Webhook → completed check run p50 (${COMPLETIONS} new heads, one at a time) | ${ms(completion.p50, 0)} | |
| Webhook → completed check run p95 | ${ms(completion.p95, 0)} | |

Where the completion time goes (medians): ${ms(seg.toStart, 0)} from the delivery to the \`POST\` that creates the
\`in_progress\` run (policy of the base and the head, run lookup: sequential requests at ${LATENCY} ms each), then
${ms(seg.postToPatch, 0)} to the \`PATCH\` that completes it; the evidence (${seg.reads} GETs, six at a time) was in
${ms(seg.evidence, 0)} after the \`POST\` was answered. Completion is dominated by ${dominant}. Behind the acknowledgement phase,
${evaluations} evaluations ran and ${coalesced} deliveries were coalesced; the App's event-loop delay over that
phase (prom-client's \`nodejs_eventloop_lag\`) had p99 ${ms(lag.p99)} and max ${ms(lag.max)}.${profileText}`,
    );
  }
} finally {
  closeAgent();
  await app.stop();
  await world.stop();
}
