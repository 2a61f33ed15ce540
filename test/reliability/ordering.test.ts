// Duplicate deliveries and events out of order. GitHub does not promise order: a `synchronize` can arrive
// after the `workflow_run` of the commit that followed it, and a delivery can come again (a redelivery, or a
// restart that forgot the delivery ids). Whatever the order, the last word on a pull request (its sticky
// comment, and the check run on its head) must be the evaluation of its current head.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GitHubStandIn } from "../support/github-stand-in.js";
import {
  APP_ID,
  INSTALLATION,
  type InProcess,
  inProcessApp,
  KEYS,
  pullRequestPayload,
  sleep,
  until,
  workflowRunPayload,
} from "./support.js";

const OWNER = "octo";
const NAME = "api";
const REPO = { owner: OWNER, name: NAME, id: 41 };
const PR = 5;
const BASE = "release/2.0";
/** The older head: no README, so NO-GO. */
const OLD = "a".repeat(40);
/** The newer head: everything there, so GO. */
const NEW = "b".repeat(40);
const OTHER = "c".repeat(40);

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

describe("out of order and duplicate deliveries: the last word is the current head's", () => {
  let gh: GitHubStandIn;
  let app: InProcess;
  /** Paths whose answers are held back until released (a slow GitHub for one commit). */
  const held = new Map<string, Promise<void>>();

  beforeAll(async () => {
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    gh.use(async (req) => {
      for (const [path, gate] of held) if (req.path.includes(path)) await gate;
      return undefined;
    });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  beforeEach(async () => {
    gh.checkRuns.length = 0;
    gh.comments.length = 0;
    held.clear();
    const files = { ".readiness.yml": POLICY, "README.md": "# api\n" };
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": POLICY },
        [BASE]: { ".readiness.yml": POLICY },
        [OLD]: { ".readiness.yml": POLICY },
        [NEW]: files,
        [OTHER]: files,
      },
      pulls: [
        { number: PR, base: BASE, head: "prepare-2.0", headSha: NEW },
        { number: 6, base: BASE, head: "other", headSha: OTHER },
      ],
      runs: [OLD, NEW, OTHER].map((sha) => ({
        name: "CI",
        path: ".github/workflows/ci.yml",
        headSha: sha,
        event: "pull_request",
        status: "completed",
        conclusion: "success",
        createdAt: "2026-07-01T10:00:00Z",
      })),
    });
    app = await inProcessApp(gh, { retries: "probot-fast", concurrency: 4 });
  });
  afterEach(async () => {
    held.clear();
    await app.runtime.idle();
  });

  const setHead = (sha: string) => {
    gh.repo(OWNER, NAME)!.pulls.find((p) => p.number === PR)!.headSha = sha;
  };
  const synchronize = (sha: string) =>
    pullRequestPayload(REPO, {
      number: PR,
      base: BASE,
      headSha: sha,
      head: "prepare-2.0",
      htmlUrl: `${gh.origin}/${OWNER}/${NAME}/pull/${PR}`,
    });
  const stickies = () => gh.comments.filter((c) => c.issue === PR && c.app_id === APP_ID);
  const verdictLine = () => stickies().at(-1)?.body.split("\n")[1] ?? "";
  const latest = (sha: string) => gh.checkRuns.filter((r) => r.head_sha === sha).at(-1);
  const evaluations = async () =>
    (await app.runtime.metrics.evaluations.get()).values.reduce((n, v) => n + v.value, 0);

  it("a synchronize for the older head, arriving after the newer head's workflow_run, leaves the newer result", async () => {
    // The newer head's CI finished first and its workflow_run was delivered first.
    await app.receive(
      "workflow_run",
      workflowRunPayload(REPO, { sha: NEW, prs: [PR], branch: "prepare-2.0" }),
    );
    await app.runtime.idle();
    expect(latest(NEW)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(verdictLine()).toMatch(/GO · 100\.0\/100/);
    const writes = gh.writes().length;

    // Then the synchronize that had made OLD the head, late; and the one for NEW, late too.
    await app.receive("pull_request", synchronize(OLD));
    await app.receive("pull_request", synchronize(NEW));
    await app.runtime.idle();

    expect(stickies()).toHaveLength(1);
    expect(verdictLine()).toMatch(/GO · 100\.0\/100/);
    expect(stickies()[0]!.edits).toBe(0);
    expect(latest(NEW)).toMatchObject({ status: "completed", conclusion: "success" });
    // The old head is not evaluated at all (its event names a head the PR no longer has), and nothing about
    // NEW is written again: its result had not changed.
    expect(latest(OLD)).toBeUndefined();
    expect(gh.writes().slice(writes)).toEqual([]);
  });

  it("an old synchronize redelivered (a new delivery id, or after a restart) changes nothing on the pull request", async () => {
    await app.receive("pull_request", synchronize(NEW), "delivery-new");
    await app.runtime.idle();
    expect(verdictLine()).toMatch(/GO · 100\.0\/100/);

    for (const id of ["delivery-old", "delivery-old", "delivery-old-again"])
      await app.receive("pull_request", synchronize(OLD), id);
    await app.runtime.idle();
    expect(verdictLine()).toMatch(/GO · 100\.0\/100/);
    expect(stickies()).toHaveLength(1);
    expect(stickies()[0]!.edits).toBe(0);
    // The repeated delivery id was dropped before any work.
    expect((await app.runtime.metrics.duplicateDeliveries.get()).values[0]?.value).toBe(1);
  });

  it("the older head's evaluation still running when the newer head arrives: the newer one speaks last", async () => {
    setHead(OLD);
    let release!: () => void;
    held.set(`/git/trees/${OLD}`, new Promise<void>((r) => (release = r)));
    await app.receive("pull_request", synchronize(OLD));
    await until("the older head's evaluation to start", () => latest(OLD));

    // A push: the head moves on while the older evaluation waits for GitHub.
    setHead(NEW);
    await app.receive("pull_request", synchronize(NEW));
    await app.receive(
      "workflow_run",
      workflowRunPayload(REPO, { sha: NEW, prs: [PR], branch: "prepare-2.0" }),
    );
    await sleep(100);
    release();
    await app.runtime.idle();

    expect(stickies()).toHaveLength(1);
    expect(verdictLine()).toMatch(/GO · 100\.0\/100/);
    expect(latest(NEW)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(gh.checkRuns.every((r) => r.rejectedWrites.length === 0)).toBe(true);
  });

  it("a stale event folded over a queued fresh one: the current head is evaluated anyway", async () => {
    // One evaluation at a time, and the queue busy with another pull request, so PR 5's events wait together.
    app = await inProcessApp(gh, { retries: "probot-fast", concurrency: 1 });
    let release!: () => void;
    held.set(`/git/trees/${OTHER}`, new Promise<void>((r) => (release = r)));
    await app.receive("pull_request", pullRequestPayload(REPO, { number: 6, base: BASE, headSha: OTHER }));
    await until("the other evaluation to start", () => latest(OTHER));
    await app.receive("pull_request", synchronize(NEW));
    await app.receive("pull_request", synchronize(OLD)); // redelivered late: folded over the NEW one
    release();
    await app.runtime.idle();

    expect(verdictLine()).toMatch(/GO · 100\.0\/100/);
    expect(latest(NEW)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(stickies()).toHaveLength(1);
  });

  it("a burst of duplicate and repeated deliveries: one result written, at most two evaluations", async () => {
    const before = await evaluations();
    const same = synchronize(NEW);
    for (let i = 0; i < 5; i++) await app.receive("pull_request", same, "delivery-dup");
    for (let i = 0; i < 20; i++) {
      await app.receive("pull_request", synchronize(NEW));
      await app.receive(
        "workflow_run",
        workflowRunPayload(REPO, { sha: NEW, prs: [PR], branch: "prepare-2.0" }),
      );
    }
    await app.runtime.idle();

    const runs = gh.checkRuns.filter((r) => r.head_sha === NEW);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "completed", conclusion: "success", rejectedWrites: [] });
    expect(stickies()).toHaveLength(1);
    expect(stickies()[0]!.edits).toBe(0);
    expect((await app.runtime.metrics.duplicateDeliveries.get()).values[0]?.value).toBe(4);
    const ran = (await evaluations()) - before;
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(2);
    console.log(
      `ordering: 45 deliveries (5 with one id) for one head → ${ran} evaluation(s), 1 check run, 1 comment`,
    );
  });
});
