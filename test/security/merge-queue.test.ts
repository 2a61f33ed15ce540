// Git-flow release PRs gated by their head branch, and the merge queue, end to end: the built server, signed
// webhooks over HTTP, the GitHub stand-in (docs/security.md §1, docs/operations.md).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn, type PullRequestSeed } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";

const APP_ID = 5252;
const SECRET = `queue-${randomUUID()}`;
const OWNER = "octo";
const NAME = "flow";
const CHECK = "Production readiness";
const WITH_README = { "README.md": "# flow\n" };
const RELEASE_HEAD = "a".repeat(40);
const FEATURE_HEAD = "b".repeat(40);
const QUEUED_HEAD = "c".repeat(40);
/** Merge commits the queue made: with a README (GO under main's policy) and without (NO-GO). */
const MERGE_GO = "d".repeat(40);
const MERGE_NOGO = "e".repeat(40);
const MERGE_ODD = "1".repeat(40);
const BASE_SHA = "f".repeat(40);

// main gates PRs into develop, and git-flow release PRs into main by their head branch.
const MAIN = `version: 1
applies:
  pullRequests: { branches: [develop], headBranches: ["release/**"] }
gate: { minScore: 80 }
checks:
  readme:
    required: true
    file: { path: README.md }
`;
// What a writer pushes on a branch of their own: lenient.
const LOOSE = `version: 1
applies: { pullRequests: {} }
gate: { minScore: 0 }
checks:
  changelog:
    file: { path: CHANGELOG.md }
`;

const { privateKey, publicKey } = APP_KEYS;
const repository = () => repositoryPayload(OWNER, NAME, 99);

describe("git-flow release PRs and the merge queue", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const pulls = (): PullRequestSeed[] => gh.repos.get(`${OWNER}/${NAME}`)!.pulls;
  const count = (what: string) => server.output().split(`"${what}"`).length - 1;
  const runsOn = (sha: string) => gh.checkRuns.filter((r) => r.head_sha === sha && r.name === CHECK);
  const latest = (sha: string) => runsOn(sha).at(-1);
  const send = (event: string, payload: unknown) => sendWebhook(server.url, SECRET, event, payload);

  function prPayload(action: string, seed: PullRequestSeed) {
    const payload = example("pull_request", "opened", 1);
    payload.action = action as "opened";
    payload.repository = repository();
    payload.number = seed.number;
    Object.assign(payload.pull_request, { number: seed.number, labels: [], state: "open" });
    payload.pull_request.base.ref = seed.base;
    payload.pull_request.head.ref = seed.head;
    payload.pull_request.head.sha = seed.headSha;
    return { ...payload, installation: { id: 1 } };
  }

  function mergeGroup(sha: string, headRef: string, base = "main") {
    const payload = example("merge_group", "checks_requested");
    // A body sent again is taken for a replay: each delivery differs, as GitHub's do.
    payload.merge_group.head_commit.timestamp = new Date().toISOString();
    payload.repository = repository();
    Object.assign(payload.merge_group, {
      head_sha: sha,
      head_ref: headRef,
      base_ref: `refs/heads/${base}`,
      base_sha: BASE_SHA,
    });
    return { ...payload, installation: { id: 1 } };
  }

  async function settle(what: string, before: number) {
    await until(what, () => count(what) > before, 20_000);
    await new Promise((r) => setTimeout(r, 300));
  }

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 99,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": MAIN },
        loose: { ".readiness.yml": LOOSE },
        [RELEASE_HEAD]: { "CHANGELOG.md": "## 2.0\n" },
        [FEATURE_HEAD]: { "CHANGELOG.md": "## x\n" },
        [QUEUED_HEAD]: WITH_README,
        [MERGE_GO]: WITH_README,
        [MERGE_NOGO]: { "CHANGELOG.md": "## 3.0\n" },
        [MERGE_ODD]: WITH_README,
      },
      refs: { main: BASE_SHA, loose: "9".repeat(40) },
      pulls: [],
    });
    server = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: APP_ID,
      privateKey,
      // debug: "not gated … silent" is how a pull request left alone shows.
      env: { LOG_LEVEL: process.env.SERVER_LOG ?? "debug" },
    });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("a release/* → main PR is gated by headBranches; a feature PR into main is not", async () => {
    const release: PullRequestSeed = { number: 10, base: "main", head: "release/2.0", headSha: RELEASE_HEAD };
    const feature: PullRequestSeed = { number: 11, base: "main", head: "feature/x", headSha: FEATURE_HEAD };
    pulls().push(release, feature);
    const before = count("pull request evaluated");
    await send("pull_request", prPayload("opened", release));
    await settle("pull request evaluated", before);
    expect(latest(RELEASE_HEAD)).toMatchObject({ status: "completed", conclusion: "failure" });

    await send("pull_request", prPayload("opened", feature));
    await until("the feature PR handled", () => server.output().includes("not gated by the base"), 20_000);
    expect(runsOn(FEATURE_HEAD)).toEqual([]);
  });

  it("a push changing main's policy finds the release PRs by their head branch", async () => {
    const payload = example("push", undefined, 4);
    payload.repository = { ...repository(), master_branch: "main" };
    payload.ref = "refs/heads/main";
    payload.commits = [{ ...payload.commits[0], added: [], removed: [], modified: [".readiness.yml"] }];
    const before = count("pull request evaluated");
    const writes = runsOn(RELEASE_HEAD).flatMap((r) => r.writes).length;
    await send("push", { ...payload, installation: { id: 1 } });
    await until("release pull requests queued", () => server.output().includes('"queued":1'), 20_000);
    await settle("pull request evaluated", before);
    expect(server.output()).toMatch(/"pr":10,"verdict":"no-go"/);
    expect(server.output()).not.toMatch(/"pr":11,"verdict"/);
    expect(runsOn(RELEASE_HEAD).flatMap((r) => r.writes).length).toBeGreaterThanOrEqual(writes);
  });

  it("merge_group.checks_requested: the queue's commit gets a completed run with main's verdict (GO)", async () => {
    pulls().push({ number: 12, base: "main", head: "release/3.0", headSha: QUEUED_HEAD });
    const before = count("merge group evaluated");
    const ref = `refs/heads/gh-readonly-queue/main/pr-12-${BASE_SHA}`;
    expect((await send("merge_group", mergeGroup(MERGE_GO, ref))).status).toBe(200);
    await settle("merge group evaluated", before);
    const run = latest(MERGE_GO)!;
    expect(run).toMatchObject({ status: "completed", conclusion: "success" });
    expect(run.output.title).toMatch(/^GO/);
    expect(run.external_id).toContain(";mq=12:main");
    // The queued PR's head is not written to, and its comment is not the queue's to change.
    expect(runsOn(QUEUED_HEAD)).toEqual([]);
    expect(gh.comments.filter((c) => c.issue === 12)).toEqual([]);
  });

  it("a NO-GO merge commit fails the run: the queue does not merge it", async () => {
    pulls().push({ number: 13, base: "main", head: "release/4.0", headSha: "2".repeat(40) });
    const before = count("merge group evaluated");
    const ref = `refs/heads/gh-readonly-queue/main/pr-13-${BASE_SHA}`;
    await send("merge_group", mergeGroup(MERGE_NOGO, ref));
    await settle("merge group evaluated", before);
    const run = latest(MERGE_NOGO)!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.title).toMatch(/^NO-GO/);
    // The commit had no run: the queue waited on the missing required check, and the only verdict it ever
    // saw is this one, written with the run (no stale verdict, and no "Evaluating…" write to pay for).
    expect(run.writes).toHaveLength(1);
    expect(run.writes[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("a writer's PR into a lenient branch with the queue's commit as head cannot turn it green", async () => {
    pulls().push({ number: 14, base: "loose", head: "copy-of-queue", headSha: MERGE_NOGO });
    const before = count("pull request evaluated");
    await send("pull_request", prPayload("opened", pulls().at(-1)!));
    await settle("pull request evaluated", before);
    const run = latest(MERGE_NOGO)!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.summary).toMatch(/\| #13 \| `main` \(merge queue\) \| NO-GO/);
    expect(run.output.summary).toMatch(/\| #14 \| `loose` \| GO/);
    expect(run.external_id).toContain(";mq=13:main");
    // And the merge group evaluated again (a re-run) keeps the PR's claim beside its own.
    const again = count("merge group evaluated");
    await send("merge_group", mergeGroup(MERGE_NOGO, `refs/heads/gh-readonly-queue/main/pr-13-${BASE_SHA}`));
    await settle("merge group evaluated", again);
    expect(latest(MERGE_NOGO)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(latest(MERGE_NOGO)!.external_id).toMatch(/;pr=14;.*mq=13:main/);
  });

  it("a queue branch that names no pull request fails closed", async () => {
    await send("merge_group", mergeGroup(MERGE_ODD, "refs/heads/gh-readonly-queue/main/something-else"));
    await until("the run", () => latest(MERGE_ODD)?.status === "completed", 20_000);
    expect(latest(MERGE_ODD)).toMatchObject({ conclusion: "failure" });
    expect(latest(MERGE_ODD)!.output.title).toBe("Could not evaluate");
  });
});
