// A GitHub that does not answer: each request has a deadline (GITHUB_TIMEOUT_MS), the evaluation fails
// closed soon after it, and Octokit's retry plugin does not spend 1 + 4 + 9 s retrying a request whose
// deadline has already passed (with AbortSignal.timeout it did: every retry failed at once on the spent
// signal, after the backoff). Probot's Octokit here is exactly the server's, real backoff included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_ID, INSTALLATION, inProcessApp, KEYS, pullRequestPayload, sleep } from "./support.js";

const OWNER = "octo";
const REPO = { owner: OWNER, name: "slow", id: 51 };
const POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
checks:
  readme:
    required: true
    file: { path: README.md }
`;
const TIMEOUT_MS = 300;

describe("requests past the client timeout: the evaluation fails closed at once, no futile retries", () => {
  let gh: GitHubStandIn;
  /** Paths (below /api/v3) GitHub answers the first time only after 2 s, and how many times each was asked. */
  const slow = new Map<string, number>();

  beforeAll(async () => {
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    gh.use(async (req) => {
      const n = slow.get(req.path);
      if (n === undefined) return undefined;
      slow.set(req.path, n + 1);
      if (n === 0) await sleep(2_000);
      return undefined;
    });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  async function evaluate(sha: string, number: number) {
    const files = { ".readiness.yml": POLICY, "README.md": "# slow\n" };
    gh.addRepo({
      ...REPO,
      files: { main: { ".readiness.yml": POLICY }, "release/1": { ".readiness.yml": POLICY }, [sha]: files },
      pulls: [{ number, base: "release/1", head: "r", headSha: sha }],
    });
    const app = await inProcessApp(gh, { retries: "probot", requestTimeoutMs: TIMEOUT_MS });
    const started = Date.now();
    await app.receive("pull_request", pullRequestPayload(REPO, { number, base: "release/1", headSha: sha }));
    await app.runtime.idle();
    return { ms: Date.now() - started, run: gh.checkRuns.filter((r) => r.head_sha === sha).at(-1) };
  }

  it("evidence: the commit's tree never comes; its checks are unknown, the gate fails closed", async () => {
    const sha = "5".repeat(40);
    slow.set(`/repos/${OWNER}/${REPO.name}/git/trees/${sha}`, 0);
    const { ms, run } = await evaluate(sha, 1);
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run!.output.title).toMatch(/^Could not evaluate/);
    // One request for the tree: a timed-out request is not retried (a retry would have been answered).
    expect(slow.get(`/repos/${OWNER}/${REPO.name}/git/trees/${sha}`)).toBe(1);
    console.log(
      `timeouts: tree past a ${TIMEOUT_MS} ms deadline → "${run!.output.title}" after ${ms} ms, 1 request for it`,
    );
    // Three writes at Probot's one per second, and no 14 s of backoff.
    expect(ms).toBeLessThan(8_000);
  }, 30_000);

  it("the App's own request (its check run on the commit) never comes: 'Could not evaluate', not a hang", async () => {
    const sha = "6".repeat(40);
    slow.set(`/repos/${OWNER}/${REPO.name}/commits/${sha}/check-runs`, 0);
    const { ms, run } = await evaluate(sha, 2);
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run!.output.summary).toContain(`GitHub did not answer within ${TIMEOUT_MS} ms`);
    // The evaluation's look-up (not retried), the failure report's, and its listing of this App's other runs
    // (a GO under a custom checkName must not outlive the failure): each asked once.
    expect(slow.get(`/repos/${OWNER}/${REPO.name}/commits/${sha}/check-runs`)).toBe(3);
    console.log(
      `timeouts: check-run look-up past a ${TIMEOUT_MS} ms deadline → "${run!.output.title}" after ${ms} ms, each look-up asked once`,
    );
    expect(ms).toBeLessThan(8_000);
  }, 30_000);
});
