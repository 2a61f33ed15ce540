// Faults: the GitHub stand-in answers a fifth of all requests with 500, 502, a secondary rate limit (403 with
// retry-after), an answer that comes after the client's timeout, or (trees) a truncated tree. Hundreds of
// release-PR evaluations run through the real App in-process (webhook → queue → service → GitHub provider →
// publishers, Probot's own Octokit). The gate must never say GO where a fault-free evaluation does not, every
// evaluation must end with the fault-free result or a result that says it could not tell, and one fault-free
// reconcile afterwards must leave every pull request with its fault-free result.
//
// Deterministic: which request gets which fault is a function of a fixed seed and the request, and which
// scenario each pull request gets comes from a seeded PRNG.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunTag } from "../../src/app/jobs.js";
import { commentHash } from "../../src/app/publish/comment.js";
import { type FaultInjector, faultInjector, prng } from "../support/faults.js";
import { type CheckRunState, GitHubStandIn } from "../support/github-stand-in.js";
import {
  APP_ID,
  type ClientRetries,
  INSTALLATION,
  inProcessApp,
  KEYS,
  pullRequestPayload,
} from "./support.js";

const SEED = 20_260_705;
const OWNER = "acme";
const CHECK = "Production readiness";
/** Evaluations per phase; two phases. */
const EVALUATIONS = 250;
const PRS_PER_REPO = 100;
/** Client timeout per GitHub request (GITHUB_TIMEOUT_MS) and how late a "slow" answer comes. */
const TIMEOUT_MS = 1_000;
const SLOW_MS = 1_100;

const POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
  changelog:
    file: { path: CHANGELOG.md, contains: "## \\\\d+\\\\.\\\\d+" }
  runbook:
    file: { path: "docs/runbook*.md", contains: "(?i)rollback" }
  license:
    file: { path: LICENSE }
  ci:
    required: true
    workflow: { file: ci.yml }
`;

/** Not a policy: the gate fails closed with "Invalid policy" on every PR into release/2. */
const BROKEN = "version: 1\nchecks:\n  readme:\n    file: { path: README.md\n";

const GOOD_FILES = {
  ".readiness.yml": POLICY,
  "README.md": "# service\n",
  "CHANGELOG.md": "# Changes\n\n## 1.4\n- faster\n",
  "docs/runbook.md": "# Runbook\n\nRollback: redeploy the previous tag.\n",
  LICENSE: "MIT\n",
};

interface Scenario {
  name: string;
  base: "release/1" | "release/2";
  files: Record<string, string>;
  ci: { status: string; conclusion: string | null };
  /** The workflow runs listing answers 403 "not accessible by integration" for this commit. */
  denyActions?: boolean;
}

const SUCCESS = { status: "completed", conclusion: "success" };
const SCENARIOS: Scenario[] = [
  { name: "go", base: "release/1", files: GOOD_FILES, ci: SUCCESS },
  {
    name: "missing required file",
    base: "release/1",
    files: { ...GOOD_FILES, "README.md": undefined as unknown as string },
    ci: SUCCESS,
  },
  {
    name: "score below the minimum",
    base: "release/1",
    files: { ".readiness.yml": POLICY, "README.md": "# s\n", "CHANGELOG.md": "nothing yet\n" },
    ci: SUCCESS,
  },
  {
    name: "required workflow failed",
    base: "release/1",
    files: GOOD_FILES,
    ci: { status: "completed", conclusion: "failure" },
  },
  { name: "pending", base: "release/1", files: GOOD_FILES, ci: { status: "in_progress", conclusion: null } },
  {
    name: "could not be determined (permission)",
    base: "release/1",
    files: GOOD_FILES,
    ci: SUCCESS,
    denyActions: true,
  },
  { name: "invalid policy", base: "release/2", files: GOOD_FILES, ci: SUCCESS },
];
for (const s of SCENARIOS)
  s.files = Object.fromEntries(Object.entries(s.files).filter(([, v]) => v !== undefined));

/** What a check run says, for comparing results across commits. */
interface Outcome {
  status: string;
  conclusion: string | null;
  title: string;
}

const outcomeOf = (run: CheckRunState | undefined): Outcome | null =>
  run ? { status: run.status, conclusion: run.conclusion, title: run.output.title ?? "" } : null;

/** The run GitHub shows for a commit: the latest of our name (the stand-in lists the newest first). */
function latestRun(gh: GitHubStandIn, repo: string, sha: string): CheckRunState | undefined {
  return gh.checkRuns.filter((r) => r.repo === repo && r.head_sha === sha && r.name === CHECK).at(-1);
}

/** The run says the gate could not tell: "Could not evaluate", or evidence that could not be read. */
const saysCouldNotTell = (o: Outcome) =>
  o.status === "completed" &&
  o.conclusion === "failure" &&
  (o.title.startsWith("Could not evaluate") || o.title.includes("evidence could not be read"));

const hex = (n: number, width = 40) => n.toString(16).padStart(width, "0");

describe("faults: 20% of GitHub's answers fail, the gate never says GO when it could not tell", () => {
  let gh: GitHubStandIn;
  let faults: FaultInjector;
  const denied = new Set<string>();
  const expected = new Map<string, Outcome>();
  const figures: string[] = [];

  function addRepo(name: string, id: number, commits: { sha: string; scenario: Scenario; pr: number }[]) {
    const files: Record<string, Record<string, string>> = {
      main: { "README.md": "# service\n" },
      "release/1": { ".readiness.yml": POLICY },
      "release/2": { ".readiness.yml": BROKEN },
    };
    for (const c of commits) {
      files[c.sha] = c.scenario.files;
      if (c.scenario.denyActions) denied.add(c.sha);
    }
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      defaultBranch: "main",
      files,
      pulls: commits.map((c) => ({
        number: c.pr,
        base: c.scenario.base,
        head: `topic-${c.pr}`,
        headSha: c.sha,
      })),
      runs: commits.map((c) => ({
        name: "CI",
        path: ".github/workflows/ci.yml",
        headSha: c.sha,
        branch: `topic-${c.pr}`,
        event: "pull_request",
        status: c.scenario.ci.status,
        conclusion: c.scenario.ci.conclusion,
        createdAt: "2026-07-01T10:00:00Z",
      })),
    });
  }

  /** The sticky comment's verdict line (the rest names the commit and links the run). */
  const headline = (repo: string, pr: number): string | undefined =>
    gh.comments
      .filter((c) => c.repo === repo && c.issue === pr && c.app_id === APP_ID)
      .at(-1)
      ?.body.split("\n")[1];
  const expectedHeadline = new Map<string, string | undefined>();

  beforeAll(async () => {
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    // A permission the App lacks, for some commits: the same answer with or without faults.
    gh.use((req) =>
      req.path.endsWith("/actions/runs") && denied.has(req.query.get("head_sha") ?? "")
        ? { status: 403, body: { message: "Resource not accessible by integration" } }
        : undefined,
    );
    faults = faultInjector({ seed: SEED, rate: 0.2, slowMs: SLOW_MS, retryAfter: 1 });
    faults.enabled = false;
    gh.use(faults.middleware);

    // The fault-free answer of each scenario: one evaluation each, nothing injected.
    const commits = SCENARIOS.map((scenario, i) => ({ sha: hex(0xe0000 + i), scenario, pr: i + 1 }));
    addRepo("expectations", 500, commits);
    const app = await inProcessApp(gh, { retries: "probot-fast", requestTimeoutMs: 5_000 });
    const repo = { owner: OWNER, name: "expectations", id: 500 };
    for (const c of commits)
      await app.receive(
        "pull_request",
        pullRequestPayload(repo, { number: c.pr, base: c.scenario.base, headSha: c.sha }),
      );
    await app.runtime.idle();
    for (const c of commits) {
      const o = outcomeOf(latestRun(gh, "expectations", c.sha));
      if (!o) throw new Error(`no fault-free result for "${c.scenario.name}"`);
      expected.set(c.scenario.name, o);
      expectedHeadline.set(c.scenario.name, headline("expectations", c.pr));
    }
  }, 60_000);

  afterAll(async () => {
    await gh?.stop();
    if (figures.length) console.log(`\n${figures.join("\n")}\n`);
  });

  it("fault-free, the scenarios cover GO, NO-GO, pending, could-not-tell and an invalid policy", () => {
    const table = Object.fromEntries(
      [...expected].map(([k, o]) => [k, `${o.conclusion ?? o.status}: ${o.title}`]),
    );
    expect(table).toEqual({
      go: "success: GO · 100/100",
      "missing required file": expect.stringMatching(/^failure: NO-GO · /),
      "score below the minimum": expect.stringMatching(/^failure: NO-GO · 40\/100 \(needs 80\)$/),
      "required workflow failed": expect.stringMatching(/^failure: NO-GO · /),
      pending: expect.stringMatching(/^in_progress: Pending · /),
      "could not be determined (permission)": expect.stringMatching(
        /^failure: NO-GO · .*evidence could not be read/,
      ),
      "invalid policy": expect.stringMatching(/^failure: Invalid policy: /),
    });
  });

  const phases: { name: string; retries: ClientRetries; seed: number; id: number }[] = [
    {
      name: "Probot's retry and throttling plugins (the server's client)",
      retries: "probot-fast",
      seed: 1,
      id: 600,
    },
    { name: "no client retries: every fault reaches the App", retries: "off", seed: 2, id: 700 },
  ];

  for (const phase of phases) {
    it(`${EVALUATIONS} evaluations under faults, ${phase.name}; then one fault-free reconcile heals`, async () => {
      const started = Date.now();
      const pick = prng(SEED + phase.seed);
      const repos: {
        name: string;
        id: number;
        commits: { sha: string; scenario: Scenario; pr: number }[];
      }[] = [];
      for (let i = 0; i < EVALUATIONS; i++) {
        const r = Math.floor(i / PRS_PER_REPO);
        repos[r] ??= { name: `svc-${phase.retries}-${r}`, id: phase.id + r, commits: [] };
        const scenario = SCENARIOS[Math.floor(pick() * SCENARIOS.length)]!;
        repos[r].commits.push({ sha: hex(phase.id * 100_000 + i), scenario, pr: (i % PRS_PER_REPO) + 1 });
      }
      for (const r of repos) addRepo(r.name, r.id, r.commits);

      const before = { ...faults.stats, faults: { ...faults.stats.faults } };
      faults.enabled = true;
      const logs: Record<string, unknown>[] = [];
      const app = await inProcessApp(gh, {
        retries: phase.retries,
        requestTimeoutMs: TIMEOUT_MS,
        concurrency: 16,
        logLevel: "error",
        logLines: logs,
      });
      for (const r of repos)
        for (const c of r.commits)
          await app.receive(
            "pull_request",
            pullRequestPayload(
              { owner: OWNER, name: r.name, id: r.id },
              { number: c.pr, base: c.scenario.base, headSha: c.sha },
            ),
          );
      await app.runtime.idle();
      faults.enabled = false;
      const faulted = Date.now() - started;

      // ---- every evaluation, as it ended under faults
      const counts = { correct: 0, couldNotTell: 0, unfinished: 0, wrong: 0 };
      const unfinishedKinds = { "no check run": 0, "left in_progress": 0 };
      // What the App logged when it could not write even "could not evaluate": by commit, or by job key.
      const refused = new Set<string>();
      for (const l of logs) {
        if (l.msg === "could not report the failure either; reconcile will retry") refused.add(String(l.sha));
        if (l.msg === "job failed") refused.add(String(l.job));
      }
      const unexplained: string[] = [];
      let orphans = 0;
      const falseGo: string[] = [];
      const wrong: string[] = [];
      const unfinished: string[] = [];
      for (const r of repos) {
        for (const c of r.commits) {
          const want = expected.get(c.scenario.name)!;
          // No run on this commit may ever have said success unless the fault-free answer is GO.
          for (const run of gh.checkRuns.filter((x) => x.repo === r.name && x.head_sha === c.sha))
            if (run.conclusion === "success" && want.conclusion !== "success")
              falseGo.push(`${r.name}#${c.pr} (${c.scenario.name}): ${run.output.title}`);
          const got = outcomeOf(latestRun(gh, r.name, c.sha));
          if (
            got &&
            got.status === want.status &&
            got.conclusion === want.conclusion &&
            got.title === want.title
          )
            counts.correct++;
          else if (got && saysCouldNotTell(got)) counts.couldNotTell++;
          else if (!got || (got.status !== "completed" && got.title !== want.title)) {
            counts.unfinished++;
            unfinishedKinds[got ? "left in_progress" : "no check run"]++;
            unfinished.push(`${r.name}#${c.pr} (${c.scenario.name}): ${got ? got.status : "no check run"}`);
            // Only when GitHub refused the very write that reports the failure (or the token it needs), or
            // created a run from a request the App had given up on (answered after the client's timeout).
            const orphan = faults.stats.log.some(
              (f) =>
                f.kind === "slow" &&
                f.request.method === "POST" &&
                f.request.path === `/repos/${OWNER}/${r.name}/check-runs` &&
                (f.request.body as { head_sha?: string }).head_sha === c.sha,
            );
            if (orphan) orphans++;
            else if (!refused.has(c.sha) && !refused.has(`${OWNER}/${r.name}:pull_request:${c.pr}`))
              unexplained.push(unfinished.at(-1)!);
          } else {
            counts.wrong++;
            wrong.push(
              `${r.name}#${c.pr} (${c.scenario.name}): got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
            );
          }
        }
      }
      if (process.env.DEBUG_FAULTS) {
        const why = new Map<string, number>();
        for (const r of repos)
          for (const c of r.commits) {
            const run = latestRun(gh, r.name, c.sha);
            const line = run
              ? `${run.status} ${run.output.title} | ${(run.output.summary ?? "").split("\n")[0]!.slice(0, 160)}`
              : "none";
            const k = line
              .replace(/[0-9a-f]{40}/g, "<sha>")
              .replace(/svc-[a-z-]+-\d/g, "<repo>")
              .replace(/\d+\/100/g, "N/100")
              .replace(/#\d+/g, "#N");
            why.set(k, (why.get(k) ?? 0) + 1);
          }
        console.log(
          [...why]
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${v}\t${k}`)
            .join("\n"),
        );
      }
      const injected = Object.fromEntries(
        Object.entries(faults.stats.faults).map(([k, v]) => [
          k,
          v - before.faults[k as keyof typeof before.faults],
        ]),
      );
      const requests = faults.stats.requests - before.requests;

      // ---- the verdict right, the comment not: the run is written first, then the comment it records
      const commentBehind: string[] = [];
      for (const r of repos)
        for (const c of r.commits) {
          const want = expected.get(c.scenario.name)!;
          const got = outcomeOf(latestRun(gh, r.name, c.sha));
          if (got?.title === want.title && headline(r.name, c.pr) !== expectedHeadline.get(c.scenario.name))
            commentBehind.push(`${r.name}#${c.pr} (${c.scenario.name})`);
        }

      // ---- one fault-free reconcile, then every PR's head must carry its fault-free result
      const reconcileStarted = Date.now();
      const summary = await app.runtime.reconcileNow();
      await app.runtime.idle();
      const healed = { correct: 0, other: [] as string[] };
      for (const r of repos) {
        for (const c of r.commits) {
          const want = expected.get(c.scenario.name)!;
          const got = outcomeOf(latestRun(gh, r.name, c.sha));
          const comment = headline(r.name, c.pr);
          // The comment is the very one the run records (src/app/reconcile.ts heals any other).
          const recorded = parseRunTag(latestRun(gh, r.name, c.sha)?.external_id)?.comment;
          const body = gh.comments
            .filter((x) => x.repo === r.name && x.issue === c.pr && x.app_id === APP_ID)
            .at(-1)?.body;
          if (
            got &&
            got.status === want.status &&
            got.conclusion === want.conclusion &&
            got.title === want.title &&
            comment === expectedHeadline.get(c.scenario.name) &&
            (comment === undefined || (recorded?.pr === c.pr && recorded.hash === commentHash(body ?? "")))
          )
            healed.correct++;
          else
            healed.other.push(
              `${r.name}#${c.pr} (${c.scenario.name}): ${JSON.stringify(got)}, comment ${comment}`,
            );
        }
      }

      figures.push(
        `faults [${phase.retries}]: ${EVALUATIONS} evaluations, ${requests} requests to the stand-in, faults injected ${JSON.stringify(injected)}`,
        `faults [${phase.retries}]: outcomes under faults ${JSON.stringify(counts)} (unfinished: ${JSON.stringify(unfinishedKinds)}; ${orphans} of them a run GitHub created from a request the App had timed out, the others after GitHub refused the write reporting the failure); false GO ${falseGo.length}; ${faulted} ms`,
        `faults [${phase.retries}]: ${commentBehind.length} pull requests had their verdict but not its sticky comment before reconcile`,
        `faults [${phase.retries}]: reconcile re-evaluated ${summary.reevaluated} of ${summary.gated} gated PRs; afterwards ${healed.correct}/${EVALUATIONS} carry the fault-free result; ${Date.now() - reconcileStarted} ms`,
      );
      expect(falseGo).toEqual([]);
      expect(wrong).toEqual([]);
      expect(unexplained).toEqual([]);
      expect(counts.correct + counts.couldNotTell + counts.unfinished).toBe(EVALUATIONS);
      expect(healed.other).toEqual([]);
      // Faults left comments behind their runs, and reconcile healed them (healed.other is empty).
      expect(commentBehind.length).toBeGreaterThan(0);
      // Faults were injected, and of every kind.
      for (const n of Object.values(injected)) expect(n).toBeGreaterThan(0);
    }, 120_000);
  }
});
