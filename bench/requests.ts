// GitHub requests per evaluation of the largest policy in examples/ on a release pull request, cold and
// warm, with 304 answers counted apart (GitHub does not charge them to the rate limit).
//
//   npx tsx bench/requests.ts [--no-doc]
//
// Two measurements, printed one after the other:
// 1. The built App server (`node dist/app/main.js`) against the GitHub stand-in (bench/support/world.ts),
//    counted at the stand-in: every request that reached "GitHub" during each evaluation, by phase. The
//    evaluations are driven by webhooks, as in production:
//      cold   pull_request.synchronize for the PR's head, right after start (empty caches)
//      warm   the same head again (a re-delivery, a label change)
//      warm   workflow_run.completed for that head (the App first looks the PR up)
//      next   a push: a new head with the same files, then its synchronize
//    Cache hits (answers from the ETag cache without a request) come from the App's /metrics.
// 2. The shared scenario test/support/request-cost.ts (also used by the test suite): the same policy through
//    the same code in process, against a modelled repository with 400 commits, open alerts and a sign-off
//    comment, printed with its own formatCost. It loads nock, so it runs after the servers are stopped.
//
// Phases: "policy" = the base branch's .readiness.yml and the head's; "evidence" = everything the checks
// read, the sign-off ledger included; together they are the evaluation, which the targets are about.
// "publishing" (the check run and the sticky comment, reads and writes) and the installation token are
// reported apart. Targets: at most 12 requests cold, at most 3 charged requests warm.
import { randomUUID } from "node:crypto";
import type { StandInRequest } from "../test/support/github-stand-in.js";
import {
  args,
  commandLine,
  ensureBuilt,
  load,
  machine,
  provenance,
  sleep,
  writeSection,
} from "./support/common.js";
import { closeAgent, deliver, drained, KEYS, scrape, signed, startApp, total } from "./support/server.js";
import { createWorld, describePolicy, largestExample } from "./support/world.js";

const a = args();
const COLD_TARGET = 12;
const WARM_TARGET = 3;

type Phase = "token" | "lookup" | "policy" | "evidence" | "publishing";

function phaseOf(q: StandInRequest): Phase {
  const p = q.path;
  if (p.endsWith("/access_tokens")) return "token";
  if (/\/contents\/(\.readiness\.yml|\.github\/readiness\.yml)$/.test(p)) return "policy";
  // One GraphQL query per evaluation round carries evidence (histories, file texts); it writes nothing.
  if (q.method === "POST" && p === "/api/graphql") return "evidence";
  if (q.method !== "GET" || (p.includes("/check-runs") && q.query.has("check_name"))) return "publishing";
  // The sticky comment is found through Octokit's paginate (no page parameter); the ledger asks page=1.
  if (/\/issues\/\d+\/comments$/.test(p) && !q.query.has("page")) return "publishing";
  if (/\/pulls\/\d+$/.test(p)) return "lookup";
  return "evidence";
}

interface Counts {
  charged: number;
  notModified: number;
  requests: string[];
}

interface Measured {
  name: string;
  phases: Record<Phase, Counts>;
  cacheHits: number;
  verdict: string;
  /** First request to last, at the stand-in. */
  spanMs: number;
  /** Writes (check run, comment), at the stand-in. */
  writes: number;
}

const empty = (): Counts => ({ charged: 0, notModified: 0, requests: [] });

const KIND_OF: [RegExp, string][] = [
  [/^\/api\/graphql/, "GraphQL query (histories, file texts)"],
  [/\/git\/trees\//, "tree"],
  [/\/zipball\//, "repository archive"],
  [/\/git\/blobs\//, "file blob"],
  [/\/contents\//, "file contents"],
  [/\/commits\?|\/compare\//, "history"],
  [/\/actions\/runs\?|\/actions\/runs$/, "workflow runs"],
  [/\/actions\/(runs\/\d+\/)?artifacts(\?|$)/, "artifact listing"],
  [/\/actions\/artifacts\/\d+\//, "artifact download"],
  [/\/(dependabot|code-scanning|secret-scanning)\/alerts/, "alert listing"],
  [
    /\/issues\/\d+\/comments|\/collaborators\/|\/memberships\/|\/git\/commits\/|\/check-suites/,
    "sign-off ledger",
  ],
];

/** "1 tree, 1 repository archive, 2 history, …" for a list of "<status> GET <path>" lines. */
function describeKinds(requests: string[]): string {
  const count = new Map<string, number>();
  for (const r of requests) {
    const path = r.split(" ")[2] ?? "";
    const kind = KIND_OF.find(([re]) => re.test(path))?.[1] ?? "other";
    count.set(kind, (count.get(kind) ?? 0) + 1);
  }
  return [...count].map(([k, n]) => `${n} ${k}`).join(", ");
}

async function main() {
  const notes: string[] = [];
  ensureBuilt(notes);
  const loadBefore = load();
  const m = machine();
  const world = await createWorld({ latencyMs: 0, pulls: 1, publicKey: KEYS.publicKey });
  const app = await startApp(world.gh.host);
  const pr = world.pulls[0]!;
  const measured: Measured[] = [];

  const measure = async (name: string, event: () => Promise<{ event: string; payload: unknown }>) => {
    const from = world.gh.requests.length;
    const before = await scrape(app.url);
    const { event: e, payload } = await event();
    const r = await deliver(app.url, await signed(e, payload), randomUUID());
    if (r.status !== 200) throw new Error(`${name}: the delivery was answered ${r.status}`);
    await sleep(200);
    if (!(await drained(app.url, 60_000))) throw new Error(`${name}: the evaluation did not finish`);
    const after = await scrape(app.url);
    const phases = {
      token: empty(),
      lookup: empty(),
      policy: empty(),
      evidence: empty(),
      publishing: empty(),
    } as Record<Phase, Counts>;
    for (const q of world.gh.requests.slice(from)) {
      if (q.path === "/metrics") continue;
      const c = phases[phaseOf(q)];
      const status = world.statusOf(q);
      if (status === 304) c.notModified++;
      else c.charged++;
      c.requests.push(`${status} ${q.method} ${q.path}${q.query.size ? `?${q.query}` : ""}`);
    }
    const run = world.gh.checkRuns.filter((x) => x.head_sha === pr.sha).at(-1);
    const seen = world.gh.requests.slice(from).filter((q) => q.path !== "/metrics");
    const spanMs = seen.length ? seen.at(-1)!.at - seen[0]!.at : 0;
    const writes = seen.filter(
      (q) => q.method !== "GET" && q.path !== "/api/graphql" && !q.path.endsWith("/access_tokens"),
    ).length;
    measured.push({
      name,
      phases,
      cacheHits:
        total(after, "readiness_github_requests_total", 'status="cache-hit"') -
        total(before, "readiness_github_requests_total", 'status="cache-hit"'),
      verdict: `${run?.conclusion ?? run?.status} (${run?.output.title})`,
      spanMs,
      writes,
    });
  };

  try {
    await measure("cold: synchronize, empty caches", async () => ({
      event: "pull_request",
      payload: world.pullRequestEvent(pr),
    }));
    await measure("warm: the same head again", async () => ({
      event: "pull_request",
      payload: world.pullRequestEvent(pr, "labeled"),
    }));
    await measure("warm: workflow_run.completed for the head", async () => ({
      event: "workflow_run",
      payload: world.workflowRunEvent(pr, "ci"),
    }));
    await measure("next: a push (new head, same files)", async () => {
      world.push(pr);
      return { event: "pull_request", payload: world.pullRequestEvent(pr) };
    });
  } finally {
    closeAgent();
    await app.stop();
    await world.stop();
  }

  const evaluation = (x: Measured) => ({
    charged: x.phases.policy.charged + x.phases.evidence.charged,
    notModified: x.phases.policy.notModified + x.phases.evidence.notModified,
  });
  console.log("GitHub requests per evaluation: the built App against the stand-in");
  console.log(`policy: ${world.policyFile}; release PR #${pr.number}; counted at the stand-in`);
  for (const x of measured) {
    const e = evaluation(x);
    console.log(`\n${x.name}: ${x.verdict}`);
    console.log(`  evaluation (policy + evidence): ${e.charged} charged, ${e.notModified} × 304`);
    for (const p of ["policy", "evidence", "lookup", "publishing", "token"] as const) {
      const c = x.phases[p];
      console.log(
        `    ${p.padEnd(10)} ${String(c.charged).padStart(3)} charged ${String(c.notModified).padStart(3)} × 304`,
      );
    }
    console.log(`  answered from the App's cache without a request: ${x.cacheHits}`);
    console.log(`  writes: ${x.writes}; first request to last: ${x.spanMs} ms`);
    for (const p of ["policy", "evidence", "lookup", "publishing", "token"] as const)
      for (const r of x.phases[p].requests) console.log(`      [${p}] ${r}`);
  }
  const cold = evaluation(measured[0]!);
  const warm = measured.slice(1, 3).map(evaluation);
  const warmWorst = Math.max(...warm.map((w) => w.charged));
  const coldAll = cold.charged + cold.notModified;
  console.log(
    `\ntargets (evaluation = policy + evidence): cold ≤ ${COLD_TARGET}: ${coldAll <= COLD_TARGET ? "met" : `NOT met (${coldAll}, ${coldAll - COLD_TARGET} over)`}; warm ≤ ${WARM_TARGET} charged: ${warmWorst <= WARM_TARGET ? "met" : "NOT met"} (${warm.map((w) => w.charged).join(", ")})`,
  );

  // ---------------------------------------------------------------- the shared scenario
  // test/support/request-cost.ts brings nock, which patches Node's HTTP clients on import: it is loaded only
  // now, after the servers are stopped, so it cannot touch the end-to-end measurement above.
  const { measureRequestCost, formatCost } = await import("../test/support/request-cost.js");
  const cost = await measureRequestCost();
  console.log("\nThe shared scenario (test/support/request-cost.ts), in process:");
  console.log(formatCost(cost, true));
  const c = cost.cold.total;
  console.log(
    `targets: cold ≤ ${COLD_TARGET}: ${c.charged + c.notModified <= COLD_TARGET ? "met" : `NOT met (${c.charged + c.notModified})`}; warm ≤ ${WARM_TARGET} charged: ${cost.warm.total.charged <= WARM_TARGET ? "met" : "NOT met"} (${cost.warm.total.charged}); next commit: ${cost.next.total.charged} charged`,
  );
  type EvaluationCost = (typeof cost)["cold"];
  const row = (name: string, e: EvaluationCost) =>
    `| ${name} | ${e.verdict} ${e.score} | ${e.total.charged} | ${e.total.notModified} | ${e.total.cacheHits} | ${e.policy.charged} + ${e.evidence.charged} | ${e.publishing.charged} (${e.publishing.writes} writes) |`;
  const shared = `
### The shared scenario (test/support/request-cost.ts)

The same policy through the same code in process (\`measureRequestCost()\`, the scenario the test suite uses),
against a modelled repository (about 600 files, 400 daily commits, open alerts, a sign-off comment), as
\`formatCost\` printed it. Charged = evaluation requests that count against the rate limit:

| Evaluation | Verdict | Charged | 304 | Cache hits | Policy + evidence charged | Publishing charged |
| --- | --- | ---: | ---: | ---: | --- | --- |
${row("cold", cost.cold)}
${row("warm (same commit, 10 min later)", cost.warm)}
${row("next commit (one push)", cost.next)}

Targets on this scenario: cold ≤ ${COLD_TARGET}: **${c.charged + c.notModified <= COLD_TARGET ? "met" : `missed (${c.charged + c.notModified})`}**; warm ≤ ${WARM_TARGET} charged: **${cost.warm.total.charged <= WARM_TARGET ? "met" : "missed"}** (${cost.warm.total.charged}).
`;

  const loadAfter = load();
  if (!a.has("--no-doc")) {
    const rows = measured
      .map((x) => {
        const e = evaluation(x);
        const ph = x.phases;
        return `| ${x.name} | ${e.charged} | ${e.notModified} | ${ph.policy.charged}/${ph.policy.notModified} | ${ph.evidence.charged}/${ph.evidence.notModified} | ${x.cacheHits} | ${ph.lookup.charged} | ${ph.publishing.charged}/${ph.publishing.notModified} | ${x.writes} | ${ph.token.charged} | ${x.spanMs} ms |`;
      })
      .join("\n");
    const coldKinds = describeKinds(measured[0]!.phases.evidence.requests);
    const shortPath = (r: string) => r.replace(/^\d+ GET (\/repos\/[^/]+\/[^/]+)?/, "").replace(/\?.*$/, "");
    const warmCharged = measured
      .slice(1, 3)
      .flatMap((x) =>
        [...x.phases.policy.requests, ...x.phases.evidence.requests]
          .filter((r) => !r.startsWith("304 "))
          .map((r) => `${shortPath(r)} (${r.split(" ")[0]}, ${x.name.split(":")[0]})`),
      );
    const commentsNote = warmCharged.some((r) => r.includes("/comments"))
      ? " The comments listing the sign-off ledger reads had changed: the App's own sticky comment was posted after the cold evaluation read it, so the answer was a 200, not a 304."
      : "";
    const policyShape = await describePolicy(largestExample().text);
    writeSection(
      "requests",
      `## GitHub requests per evaluation (bench/requests.ts)

${provenance(m, commandLine("requests.ts"), loadBefore, loadAfter)}
- Set-up: the built server (\`node dist/app/main.js\`) against the GitHub stand-in (bench/support/world.ts: ETags
  and 304s as GitHub sends them), release PR #${pr.number} under \`${world.policyFile}\` (${policyShape}; the release check
  does not apply to a pull request). Evaluations are started by webhooks and
  counted at the stand-in; verdict: ${measured[0]!.verdict}.${notes.map((n) => `\n- Note: ${n}`).join("")}
- Targets (issue 5), on the evaluation (policy + evidence): at most ${COLD_TARGET} requests cold:
  **${coldAll <= COLD_TARGET ? "met" : `missed, ${coldAll} (${coldAll - COLD_TARGET} over)`}**; at most ${WARM_TARGET} charged warm: **${warmWorst <= WARM_TARGET ? "met" : "missed"}** (${warm.map((w) => w.charged).join(" and ")}).

| Evaluation | Charged | 304 | Policy charged/304 | Evidence charged/304 | Cache hits | PR lookup | Publishing charged/304 | Writes | Token | First to last request |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows}

Charged = answered anything but 304 (302 redirects to artifact storage included: GitHub counts the API call).
Cache hits are answers the App's ETag cache gave without a request (content-addressed URLs: trees, blobs,
per-path history and contents at a full SHA). Publishing (check run lookup and writes, sticky comment) and
the installation token are not part of the evaluation; the token is fetched once an hour per installation.
Writes are the check run's and the sticky comment's (Probot lets one a second through per installation).

${coldAll <= COLD_TARGET ? "Cold is within the target." : `Why cold is over the target by ${coldAll - COLD_TARGET}: the policy alone is ${measured[0]!.phases.policy.charged} reads (the base branch's file, and the head's, which the App validates when a PR changes it); the evidence is ${measured[0]!.phases.evidence.charged}, ${coldKinds}. The file checks already share one tree, and their texts and last changes one GraphQL query (one HTTP request; GitHub charges it to GraphQL's own points budget, apart from REST's 5,000 requests an hour); most of the rest is one request per source the policy names (each alert scanner, each artifact download, the signer's permission and team membership), which GraphQL does not serve (Actions runs and artifacts, code and secret scanning alerts), serves only in a query of its own that warm evaluations would pay for (Dependabot alerts, see below) or which must stay REST for trust (the ledger's comments: \`performed_via_github_app\`, docs/security.md).`} Warm, the charged requests of the evaluation were:
${warmCharged.length ? warmCharged.join("; ") : "none"}.${commentsNote} The App's look-up of the pull request (column "PR lookup": before it writes the sticky comment, and for a workflow_run delivery) is outside the evaluation.
${shared}`,
    );
  }
}

await main();
