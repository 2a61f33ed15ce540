// Attacks on run identity (docs/security.md §1 and §6), end to end: the built server, signed webhooks over HTTP,
// the GitHub stand-in. A writer can push any branch with its own .readiness.yml, open pull requests with any base
// and head, retarget them, and create releases; none of it may turn another pull request's gate green.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn, type PullRequestSeed } from "../support/github-stand-in.js";
import { APP_KEYS, deploymentGatePayload, repositoryPayload } from "../support/payloads.js";

const APP_ID = 5151;
const SECRET = `shared-${randomUUID()}`;
const OWNER = "octo";
const NAME = "gate";
const CHECK = "Production readiness";
/** Heads without a README: NO-GO under main's policy, GO under the loose branch's. */
const SHARED = "a".repeat(40);
const RETARGET = "b".repeat(40);
const RELEASED = "c".repeat(40);
const CASED = "d".repeat(40);
const CASED_OTHER = "e".repeat(40);

const STRICT = `version: 1
applies:
  pullRequests: {}
  environments: [production]
gate: { minScore: 80 }
checks:
  readme:
    required: true
    file: { path: README.md }
  signoff:
    required: true
    contexts: [pull_request]
    signoff: { teams: [octo/release] }
`;
// What a writer pushes on a branch they created: lenient, and naming another required check.
const LOOSE = `version: 1
applies: { pullRequests: {} }
gate: { minScore: 0, checkName: "CI / test" }
checks:
  changelog:
    file: { path: CHANGELOG.md }
`;

const { privateKey, publicKey } = APP_KEYS;

const repository = () => repositoryPayload(OWNER, NAME, 88);

describe("one pull request's verdict is never written over by another's", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const pulls = (): PullRequestSeed[] => gh.repos.get(`${OWNER}/${NAME}`)!.pulls;
  const evaluations = () => server.output().split('"pull request evaluated"').length - 1;
  const runsOn = (sha: string, name = CHECK) =>
    gh.checkRuns.filter((r) => r.head_sha === sha && r.name === name);
  /** GitHub (and branch protection) follow the newest run of a name on a commit. */
  const latest = (sha: string, name = CHECK) => runsOn(sha, name).at(-1);

  function prPayload(action: string, seed: PullRequestSeed, extra: Record<string, unknown> = {}) {
    const payload = example("pull_request", "opened", 1);
    payload.action = action as "opened";
    payload.repository = repository();
    payload.number = seed.number;
    Object.assign(payload.pull_request, { number: seed.number, labels: [], state: "open" });
    payload.pull_request.base.ref = seed.base;
    payload.pull_request.head.ref = seed.head;
    payload.pull_request.head.sha = seed.headSha;
    return { ...payload, installation: { id: 1 }, ...extra };
  }

  async function settle(before: number, count = 1) {
    await until(`${count} evaluation(s)`, () => evaluations() >= before + count, 20_000);
    // The lock makes evaluations of one commit run one after the other; give a follower time to finish.
    await new Promise((r) => setTimeout(r, 300));
  }

  const send = (event: string, payload: unknown) => sendWebhook(server.url, SECRET, event, payload);

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    const head = { "CHANGELOG.md": "## 1.0\n", ".readiness.yml": LOOSE };
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 88,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": STRICT },
        loose: { ".readiness.yml": LOOSE },
        nopolicy: {},
        MAIN: {},
        [SHARED]: head,
        [RETARGET]: head,
        [RELEASED]: head,
        [CASED]: head,
        [CASED_OTHER]: head,
      },
      refs: { main: "f".repeat(40), loose: "9".repeat(40), "v1.0.0": RELEASED },
      releases: [{ id: 31, tag: "v1.0.0" }],
      pulls: [],
    });
    server = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: APP_ID,
      privateKey,
      env: { LOG_LEVEL: process.env.SERVER_LOG ?? "info" },
    });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("a second PR into a writer's loose branch, same head: the run on the commit stays NO-GO", async () => {
    const strict: PullRequestSeed = { number: 1, base: "main", head: "feature", headSha: SHARED };
    const loose: PullRequestSeed = { number: 2, base: "loose", head: "feature-copy", headSha: SHARED };
    pulls().push(strict);
    let before = evaluations();
    expect((await send("pull_request", prPayload("opened", strict))).status).toBe(200);
    await settle(before);
    expect(latest(SHARED)).toMatchObject({ status: "completed", conclusion: "failure" });

    pulls().push(loose);
    before = evaluations();
    expect((await send("pull_request", prPayload("opened", loose))).status).toBe(200);
    await settle(before);

    const run = latest(SHARED)!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.title).toMatch(/^NO-GO/);
    // Both claims are named, and the run says whose verdict it shows.
    expect(run.output.summary).toContain("head of 2 gated pull requests");
    expect(run.output.summary).toMatch(/\| #2 \| `loose` \| GO/);
    expect(run.external_id).toMatch(/;pr=1;prs=(1\.2|2\.1);/);
    // The branch's checkName is not the App's to take: nothing was posted under another check's name.
    expect(gh.checkRuns.filter((r) => r.name === "CI / test")).toEqual([]);
    // The loose PR's own comment shows its own verdict (GO); the strict PR's shows NO-GO.
    const comments = (n: number) => gh.comments.filter((c) => c.issue === n).at(-1)?.body ?? "";
    expect(comments(2)).toMatch(/GO/);
    expect(comments(1)).toMatch(/NO-GO/);
  });

  it("evaluated in the other order (the loose PR first), the run still ends NO-GO", async () => {
    const loose: PullRequestSeed = { number: 3, base: "loose", head: "r1", headSha: RETARGET };
    const strict: PullRequestSeed = { number: 4, base: "main", head: "r2", headSha: RETARGET };
    pulls().push(loose);
    let before = evaluations();
    await send("pull_request", prPayload("opened", loose));
    await settle(before);
    expect(latest(RETARGET)).toMatchObject({ conclusion: "success" });

    pulls().push(strict);
    before = evaluations();
    await send("pull_request", prPayload("opened", strict));
    await settle(before);
    expect(latest(RETARGET)).toMatchObject({ status: "completed", conclusion: "failure" });
    // While the strict PR was evaluated, the loose PR's GO did not stand for it: a new run was started.
    const runs = runsOn(RETARGET);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.at(-1)!.writes[0]).toMatchObject({ status: "in_progress" });
  });

  it("retargeting the loose PR to a branch without a policy writes no 'Not gated' over the NO-GO", async () => {
    const loose = pulls().find((p) => p.number === 3)!;
    loose.base = "nopolicy";
    const before = evaluations();
    const runsBefore = runsOn(RETARGET).length;
    await send(
      "pull_request",
      prPayload("edited", loose, {
        changes: { base: { ref: { from: "loose" }, sha: { from: "9".repeat(40) } } },
      }),
    );
    await until(
      "the retarget handled",
      () => server.output().includes('"pr":3') && evaluations() >= before,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(latest(RETARGET)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(runsOn(RETARGET).every((r) => r.output.title !== "Not gated")).toBe(true);
    // Re-evaluating the strict PR now shows only its own claim.
    const strict = pulls().find((p) => p.number === 4)!;
    const b2 = evaluations();
    await send("pull_request", prPayload("synchronize", strict));
    await settle(b2);
    expect(latest(RETARGET)).toMatchObject({ conclusion: "failure" });
    expect(runsOn(RETARGET).length).toBeGreaterThanOrEqual(runsBefore);
  });

  it("a release on a PR's head commit writes its own run: the PR's NO-GO is untouched", async () => {
    const strict: PullRequestSeed = { number: 5, base: "main", head: "rel", headSha: RELEASED };
    pulls().push(strict);
    const before = evaluations();
    await send("pull_request", prPayload("opened", strict));
    await settle(before);
    expect(latest(RELEASED)).toMatchObject({ conclusion: "failure" });

    // In the release context the PR-only sign-off is skipped; a README is still missing, so NO-GO, but what
    // matters is where it is written.
    const release = example("release", "published");
    release.repository = repository() as typeof release.repository;
    Object.assign(release.release, { id: 31, tag_name: "v1.0.0", draft: false, prerelease: false });
    await send("release", { ...release, installation: { id: 1 } });
    const own = await until("the release's run", () => latest(RELEASED, `${CHECK} (release)`));
    expect(own.external_id).toMatch(/ctx=release/);
    expect(latest(RELEASED)).toMatchObject({
      conclusion: "failure",
      external_id: expect.stringMatching(/pr=5/),
    });
  });

  it("a PR into `MAIN` (a branch without a policy) does not silence `main`: refs are case-sensitive", async () => {
    const upper: PullRequestSeed = { number: 6, base: "MAIN", head: "c1", headSha: CASED_OTHER };
    const strict: PullRequestSeed = { number: 7, base: "main", head: "c2", headSha: CASED };
    pulls().push(upper, strict);
    await send("pull_request", prPayload("opened", upper));
    await until(
      "MAIN looked at",
      () =>
        gh.requests.some((r) => r.path.endsWith("/contents/.readiness.yml") && r.query.get("ref") === "MAIN"),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const before = evaluations();
    await send("pull_request", prPayload("opened", strict));
    await settle(before);
    expect(latest(CASED)).toMatchObject({ conclusion: "failure" });
    expect(runsOn(CASED_OTHER)).toEqual([]);
  });

  it("a deployment to `Production` is evaluated like `production` (environments are case-insensitive)", async () => {
    const payload = deploymentGatePayload(gh.baseUrl, repository(), {
      environment: "Production",
      sha: SHARED,
      runId: 9101,
    });
    await send("deployment_protection_rule", payload);
    const answer = await until(
      "the gate's answer",
      () => gh.gateAnswers.find((a) => a.runId === 9101),
      20_000,
    );
    // Evaluated, and NO-GO (no README): rejected with the score, not approved unevaluated.
    expect(answer).toMatchObject({ state: "rejected" });
    expect(answer.comment).toMatch(/Readiness NO-GO/);
  });

  it("a deployment to an environment the policy does not list is rejected with the fix, never approved", async () => {
    await send(
      "deployment_protection_rule",
      deploymentGatePayload(gh.baseUrl, repository(), { environment: "staging", sha: SHARED, runId: 9102 }),
    );
    const answer = await until(
      "the gate's answer",
      () => gh.gateAnswers.find((a) => a.runId === 9102),
      20_000,
    );
    expect(answer).toMatchObject({ state: "rejected" });
    expect(answer.comment).toContain("`applies.environments`");
  });

  it("/healthz answered throughout", async () => {
    const t = Date.now();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});
