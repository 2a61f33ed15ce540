// SIGTERM in the middle of sustained load. The built server takes a stream of signed webhooks (100 over about
// three seconds: synchronize and workflow_run events for five release PRs, whose heads move on halfway, with
// late events for the old heads mixed in). Halfway through it gets SIGTERM with a drain bound of one second,
// shorter than the work queued, so it exits with evaluations unfinished. Then the server is restarted and one
// `readiness reconcile` runs (reconcileMain, what the CLI runs): afterwards no check run is in_progress and
// every release PR carries the result of its current head, on the check run and in its one sticky comment.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileMain } from "../../src/app/reconcile-cli.js";
import { prng } from "../support/faults.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import {
  APP_ID,
  buildIfNeeded,
  INSTALLATION,
  KEYS,
  pullRequestPayload,
  type Spawned,
  sendWebhook,
  sleep,
  spawnServer,
  workflowRunPayload,
} from "./support.js";

const SECRET = `sigterm-${randomUUID()}`;
const OWNER = "octo";
const NAME = "load";
const REPO = { owner: OWNER, name: NAME, id: 303 };
const BASE = "release/3.0";
const PRS = [1, 2, 3, 4, 5];
const WEBHOOKS = 100;
const INTERVAL_MS = 30;
const SIGTERM_AT = 50;
const POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
  ci:
    required: true
    workflow: { file: ci.yml }
`;

const head = (pr: number, version: 1 | 2) => `${version}${String(pr).padStart(2, "0")}`.padEnd(40, "e");
/** Odd PRs go from NO-GO to GO when their head moves; even ones from GO to NO-GO. */
const goes = (pr: number, version: 1 | 2) => (pr % 2 === 1) === (version === 2);

describe("SIGTERM under load, restart, one reconcile: nothing in_progress, every PR right", () => {
  let gh: GitHubStandIn;
  let first: Spawned | undefined;
  let second: Spawned | undefined;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    // GitHub's own time per request.
    gh.use(async () => {
      await sleep(15);
      return undefined;
    });
    const files: Record<string, Record<string, string>> = {
      main: { ".readiness.yml": POLICY },
      [BASE]: { ".readiness.yml": POLICY },
    };
    for (const pr of PRS)
      for (const v of [1, 2] as const)
        files[head(pr, v)] = goes(pr, v)
          ? { ".readiness.yml": POLICY, "README.md": "# load\n" }
          : { ".readiness.yml": POLICY };
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files,
      pulls: PRS.map((number) => ({
        number,
        base: BASE,
        head: `release-pr-${number}`,
        headSha: head(number, 1),
      })),
      runs: PRS.flatMap((pr) =>
        ([1, 2] as const).map((v) => ({
          name: "CI",
          path: ".github/workflows/ci.yml",
          headSha: head(pr, v),
          branch: `release-pr-${pr}`,
          event: "pull_request",
          status: "completed",
          conclusion: "success",
        })),
      ),
    });
    // A PR's commits, oldest first: its first head, then its second once it moved there.
    gh.route("GET", "/repos/:owner/:repo/pulls/:number/commits", (req) => {
      const pr = Number(req.params.number);
      const now = gh.repo(OWNER, NAME)!.pulls.find((p) => p.number === pr)!.headSha;
      const shas = now === head(pr, 2) ? [head(pr, 1), head(pr, 2)] : [head(pr, 1)];
      return { status: 200, body: shas.map((sha) => ({ sha, commit: { message: "release" } })) };
    });
  }, 240_000);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    await gh?.stop();
  });

  it("drains what it can, exits 0; reconcile after a restart leaves every release PR with its head's result", async () => {
    first = await spawnServer(gh, SECRET, { DRAIN_TIMEOUT_SECONDS: "1" });
    const pulls = gh.repo(OWNER, NAME)!.pulls;
    const pick = prng(20_260_706);
    // Each PR's head moves to its second version at its own seeded point in the first half of the load.
    const pushAt = new Map(PRS.map((pr, i) => [5 + i * 8 + Math.floor(pick() * 8), pr]));
    const answers: Record<string, number> = {};
    const sends: Promise<void>[] = [];
    let exited: number | null | undefined;
    void first.exited.then((code) => {
      exited = code;
    });

    for (let i = 0; i < WEBHOOKS; i++) {
      const moved = pushAt.get(i);
      if (moved !== undefined) pulls.find((p) => p.number === moved)!.headSha = head(moved, 2);
      const pr = moved ?? PRS[Math.floor(pick() * PRS.length)]!;
      const current = pulls.find((p) => p.number === pr)!.headSha;
      // A third of the events are late ones about the PR's first head (a delayed or redelivered delivery).
      const sha = moved === undefined && pick() < 0.33 ? head(pr, 1) : current;
      const [event, payload] =
        moved !== undefined || pick() < 0.5
          ? [
              "pull_request",
              pullRequestPayload(REPO, { number: pr, base: BASE, headSha: sha, head: `release-pr-${pr}` }),
            ]
          : ["workflow_run", workflowRunPayload(REPO, { sha, prs: [pr], branch: `release-pr-${pr}` })];
      sends.push(
        sendWebhook(first.url, SECRET, event as string, payload).then(
          (res) => {
            answers[res.status] = (answers[res.status] ?? 0) + 1;
          },
          () => {
            answers["connection refused"] = (answers["connection refused"] ?? 0) + 1;
          },
        ),
      );
      if (i === SIGTERM_AT) first.child.kill("SIGTERM");
      await sleep(INTERVAL_MS);
    }
    await Promise.all(sends);
    expect(await first.exited).toBe(0);
    expect(exited).toBe(0);
    expect(first.output()).toContain("draining: no new webhooks");

    const heads = PRS.map((pr) => head(pr, 2));
    const latest = (sha: string) => gh.checkRuns.filter((r) => r.head_sha === sha).at(-1);
    const sticky = (pr: number) => gh.comments.filter((c) => c.issue === pr && c.app_id === APP_ID);
    const right = (pr: number) => {
      const run = latest(head(pr, 2));
      const comments = sticky(pr);
      const want = goes(pr, 2);
      return (
        run?.status === "completed" &&
        run.conclusion === (want ? "success" : "failure") &&
        comments.length === 1 &&
        (want ? /: GO · 100\.0\/100/ : /: NO-GO · /).test(comments[0]!.body.split("\n")[1] ?? "")
      );
    };
    const atExit = {
      inProgress: gh.checkRuns.filter((r) => r.status === "in_progress").length,
      headsWithoutRun: heads.filter((sha) => !latest(sha)).length,
      prsRight: PRS.filter(right).length,
      drained: /"drained":true/.test(first.output()),
    };

    // Restart, then one reconcile.
    second = await spawnServer(gh, SECRET);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    let printed = "";
    const code = await reconcileMain([], {
      stdout: { write: (t: string) => (printed += t) },
      stderr: { write: (t: string) => (printed += t) },
      env: {
        APP_ID: String(APP_ID),
        PRIVATE_KEY: KEYS.privateKey,
        GITHUB_API_URL: gh.baseUrl,
        LOG_LEVEL: "silent",
      },
    });
    expect(code, printed).toBe(0);

    const stuck = gh.checkRuns.filter((r) => r.status === "in_progress");
    // Runs the shutdown cut short on a commit its PR had already moved away from: reconcile cancels them.
    const cancelled = gh.checkRuns.filter((r) => r.conclusion === "cancelled");
    const wrong = PRS.filter((pr) => !right(pr)).map(
      (pr) =>
        `#${pr}: run ${JSON.stringify(latest(head(pr, 2))?.output.title)}, comments ${sticky(pr)
          .map((c) => c.body.split("\n")[1])
          .join(" | ")}`,
    );
    console.log(
      `\nsigterm: ${WEBHOOKS} webhooks at one per ${INTERVAL_MS} ms, SIGTERM after ${SIGTERM_AT + 1}; answers ${JSON.stringify(answers)}; ` +
        `exit code 0; at exit: ${atExit.inProgress} check run(s) in_progress, ${atExit.headsWithoutRun} PR head(s) without a run, ` +
        `${atExit.prsRight}/${PRS.length} PRs right, drained in time: ${atExit.drained}\n` +
        `sigterm: after restart and one reconcile: ${printed.trim().split("\n").at(-1)}; ${stuck.length} check run(s) in_progress (${cancelled.length} left on earlier heads cancelled by reconcile); ${PRS.length - wrong.length}/${PRS.length} PRs right\n`,
    );
    expect(stuck).toEqual([]);
    expect(wrong).toEqual([]);
    for (const r of cancelled) expect(PRS.map((pr) => head(pr, 1))).toContain(r.head_sha);
    // The load did overlap the shutdown: deliveries were refused while draining or after the exit.
    expect((answers["503"] ?? 0) + (answers["connection refused"] ?? 0)).toBeGreaterThan(0);
    expect(answers["200"]).toBeGreaterThan(SIGTERM_AT / 2);
  }, 120_000);
});
