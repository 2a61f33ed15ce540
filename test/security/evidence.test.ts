// Item 4 of issue 8, end to end: evidence the gated change (or any writer) can forge does not count. The built
// server against the GitHub stand-in, signed pull_request webhooks, and what the check run then says.
//   - a pull request that rewrites .github/workflows/ci.yml (its own run succeeds, its artifact is there)
//   - a commit status forged by a writer under a pinned name, and the same under an unpinned one
//   - a commit dated a year ahead touching a file under maxAgeDays
// An honest pull request on the same policy goes GO, so each NO-GO below is the attack's doing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { type CheckRunState, GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";

const APP_ID = 4343;
const SECRET = `evidence-${randomUUID()}`;
const OWNER = "octo";
const NAME = "service";
const DAY = 86_400_000;

const POLICY = `version: 1
applies:
  pullRequests: { branches: [main] }
gate:
  minScore: 0
checks:
  ci:
    required: true
    workflow: { file: ci.yml }
  coverage:
    required: true
    artifact: { workflow: ci.yml, name: coverage }
  external:
    required: true
    status: { name: ci/external, app: external-ci }
  open:
    required: true
    status: { name: ci/open }
  runbook:
    required: true
    file: { path: docs/runbook.md, maxAgeDays: 30 }
`;

const CI =
  "name: CI\non: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n";
const FORGED_CI =
  "name: CI\non: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 0\n";

interface Head {
  pr: number;
  sha: string;
  ci: string;
  /** Check runs of other apps on the commit. */
  checkRuns: { name: string; app: string }[];
  /** Commit statuses on the commit: who posted them. */
  statuses: { context: string; creator: string }[];
  /** When the last commit touching docs/runbook.md says it was made. */
  runbookDate: string;
}

const now = Date.now();
const honest = (pr: number, over: Partial<Head> = {}): Head => ({
  pr,
  sha: String(pr % 10).repeat(40),
  ci: CI,
  checkRuns: [{ name: "ci/external", app: "external-ci" }],
  statuses: [{ context: "ci/open", creator: "ci-bot" }],
  runbookDate: new Date(now - 2 * DAY).toISOString(),
  ...over,
});

const HONEST = honest(11);
const REWRITTEN = honest(12, { ci: FORGED_CI });
const FORGED_STATUS = honest(13, {
  checkRuns: [],
  statuses: [
    { context: "ci/open", creator: "ci-bot" },
    { context: "ci/external", creator: "mallory" },
  ],
});
const FUTURE = honest(14, { runbookDate: new Date(now + 365 * DAY).toISOString() });
const HEADS = [HONEST, REWRITTEN, FORGED_STATUS, FUTURE];
const headOf = (sha: string) => HEADS.find((h) => h.sha === sha);

const { privateKey, publicKey } = APP_KEYS;

const repository = () => repositoryPayload(OWNER, NAME, 88);

/** The stand-in's answers only this file needs: artifacts, other apps' check runs, statuses, history. */
function routes(gh: GitHubStandIn): void {
  gh.route("GET", "/repos/:owner/:repo/actions/artifacts", (req) => {
    const repo = gh.repo(req.params.owner ?? "", req.params.repo ?? "")!;
    const artifacts = repo.runs.map((r) => ({
      id: (r as { id: number }).id * 10,
      name: "coverage",
      size_in_bytes: 120,
      expired: false,
      created_at: r.createdAt,
      workflow_run: { id: (r as { id: number }).id, head_sha: r.headSha },
    }));
    return { status: 200, body: { total_count: artifacts.length, artifacts } };
  });
  gh.route("GET", "/repos/:owner/:repo/commits/:ref/check-runs", (req) => {
    const runs = (headOf(req.params.ref ?? "")?.checkRuns ?? []).map((r, i) => ({
      id: 50_000 + i,
      name: r.name,
      head_sha: req.params.ref,
      status: "completed",
      conclusion: "success",
      completed_at: new Date(now - 60_000).toISOString(),
      html_url: `https://ci.example/${r.app}/${i}`,
      app: { id: 777, slug: r.app },
    }));
    return { status: 200, body: { total_count: runs.length, check_runs: runs } };
  });
  gh.route("GET", "/repos/:owner/:repo/commits/:ref/status", (req) => {
    const statuses = (headOf(req.params.ref ?? "")?.statuses ?? []).map((s, i) => ({
      id: 60_000 + i,
      context: s.context,
      state: "success",
      target_url: `https://ci.example/${s.creator}`,
      updated_at: new Date(now - 30_000).toISOString(),
    }));
    return {
      status: 200,
      body: { state: "success", sha: req.params.ref, total_count: statuses.length, statuses },
    };
  });
  gh.route("GET", "/repos/:owner/:repo/commits", (req) => {
    const head = headOf(req.query.get("sha") ?? "");
    if (!head) return { status: 404, body: { message: "Not Found" } };
    const date = head.runbookDate;
    return {
      status: 200,
      body: [{ sha: head.sha, commit: { author: { date }, committer: { date }, message: "runbook" } }],
    };
  });
}

describe("end to end: evidence a pull request or a writer can forge does not count", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const done = new Map<number, CheckRunState>();

  const evaluate = async (head: Head): Promise<CheckRunState> => {
    const cached = done.get(head.pr);
    if (cached) return cached;
    const payload = example("pull_request", "opened", 1);
    payload.repository = repository();
    Object.assign(payload.pull_request, { number: head.pr, labels: [] });
    payload.number = head.pr;
    payload.pull_request.base.ref = "main";
    payload.pull_request.head.ref = `change-${head.pr}`;
    payload.pull_request.head.sha = head.sha;
    expect((await sendWebhook(server.url, SECRET, "pull_request", payload)).status).toBe(200);
    const run = await until(
      `the check run of PR #${head.pr}`,
      () => gh.checkRuns.find((r) => r.head_sha === head.sha && r.status === "completed"),
      30_000,
    );
    done.set(head.pr, run);
    return run;
  };
  const text = (run: CheckRunState) => `${run.output.title}\n${run.output.summary}\n${run.output.text ?? ""}`;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    const files: Record<string, Record<string, string>> = {
      main: { ".readiness.yml": POLICY, ".github/workflows/ci.yml": CI, "docs/runbook.md": "# Runbook\n" },
    };
    for (const h of HEADS)
      files[h.sha] = {
        ".readiness.yml": POLICY,
        ".github/workflows/ci.yml": h.ci,
        "docs/runbook.md": "# Runbook\n",
      };
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 88,
      defaultBranch: "main",
      files,
      refs: { main: "0".repeat(40) },
      pulls: HEADS.map((h) => ({ number: h.pr, base: "main", head: `change-${h.pr}`, headSha: h.sha })),
      // Every head's own CI run succeeded: the rewritten one's too (it ran `exit 0`).
      runs: HEADS.map((h) => ({
        name: "CI",
        path: ".github/workflows/ci.yml",
        headSha: h.sha,
        branch: `change-${h.pr}`,
        event: "pull_request",
        status: "completed",
        conclusion: "success",
        createdAt: new Date(now - 120_000).toISOString(),
      })),
    });
    routes(gh);
    server = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: APP_ID,
      privateKey,
      env: { LOG_LEVEL: "info" },
    });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("control: an honest pull request on the same policy is GO, and the unpinned status warns", async () => {
    const run = await evaluate(HONEST);
    expect(run.conclusion, text(run)).toBe("success");
    expect(text(run)).toContain("anyone with write access can post a status named ci/open");
  }, 60_000);

  it("a pull request that rewrites ci.yml: its successful run and its artifact are not evidence", async () => {
    const run = await evaluate(REWRITTEN);
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toMatch(/^NO-GO/);
    const t = text(run);
    expect(t).toContain(
      ".github/workflows/ci.yml differs from main's copy, so its runs on 2222222 are not evidence",
    );
    expect(t).toContain(
      "artifact coverage comes from a run of .github/workflows/ci.yml, which differs from main's copy, so it is not evidence",
    );
  }, 60_000);

  it("a status forged under a pinned name is ignored: not GO, and the report says what was ignored", async () => {
    const run = await evaluate(FORGED_STATUS);
    expect(run.conclusion).toBe("failure");
    const t = text(run);
    expect(t).toContain("no check runs from app external-ci named ci/external on 3333333");
    expect(t).toContain("only from other sources, which do not count");
  }, 60_000);

  it("a commit dated a year ahead does not make a file fresh", async () => {
    const run = await evaluate(FUTURE);
    expect(run.conclusion).toBe("failure");
    expect(text(run)).toContain("in the future, which is not evidence of freshness");
  }, 60_000);

  it("the server stayed responsive: /healthz answers within 1 s", async () => {
    const started = Date.now();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
