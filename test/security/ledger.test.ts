// End to end, item 3 of the threat model (docs/security.md): waivers and sign-offs cannot be revived, forged
// or timed. The built server as its own process, signed webhooks over HTTP, the GitHub stand-in playing a
// writer who edits or deletes a maintainer's comment, a force-push back to an older commit, a hundred
// throwaway accounts and three thousand junk comments. What is asserted is what a user sees: the check run.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { type CommentState, GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";

const APP_ID = 4545;
const SECRET = `e2e-${randomUUID()}`;
const OWNER = "octo";
const NAME = "ledger";
const sha = (c: string) => c.repeat(40);

const WAIVE_POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
checks:
  readme:
    required: true
    file: { path: README.md }
commands:
  waive: { permission: maintain, maxDays: 14 }
`;
const SIGNOFF_POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
checks:
  qa:
    required: true
    signoff: { users: [qa-lead], resetOnPush: true }
`;

const { privateKey, publicKey } = APP_KEYS;

const repository = () => repositoryPayload(OWNER, NAME, 91);

/** PRs of this suite: number → base branch and first head. */
const PRS = {
  revive: { number: 11, base: "release/a", head: sha("1") },
  deleted: { number: 12, base: "release/a", head: sha("2") },
  signoff: { number: 13, base: "release/b", head: sha("3") },
  throwaway: { number: 14, base: "release/a", head: sha("4") },
  flood: { number: 15, base: "release/a", head: sha("5") },
  planted: { number: 16, base: "release/a", head: sha("8") },
  altered: { number: 17, base: "release/a", head: sha("9") },
} as const;
const PUSHED = sha("6"); // the commit pushed onto the sign-off PR after its first head

describe("end to end: waivers and sign-offs cannot be revived, forged or timed", () => {
  let gh: GitHubStandIn;
  let server: Spawned;

  async function send(event: string, payload: unknown) {
    expect((await sendWebhook(server.url, SECRET, event, payload)).status).toBe(200);
  }

  function commentPayload(action: string, pr: number, c: CommentState, extra: Record<string, unknown> = {}) {
    const payload = example("issue_comment", action === "deleted" ? "deleted" : action);
    payload.action = action;
    payload.repository = repository();
    payload.issue.number = pr;
    payload.issue.pull_request = { url: `${gh.baseUrl}/repos/${OWNER}/${NAME}/pulls/${pr}` };
    payload.comment = { ...payload.comment, ...gh.commentPayload(c) };
    payload.comment.user = { ...payload.comment.user, login: c.user, type: "User" };
    return Object.assign(payload, extra);
  }

  /** A person's comment on a PR and the issue_comment.created webhook GitHub sends for it. */
  async function comment(pr: number, user: string, body: string): Promise<CommentState> {
    const c = gh.addComment({ owner: OWNER, repo: NAME, issue: pr, user, body });
    await send("issue_comment", commentPayload("created", pr, c));
    return c;
  }

  /** A writer edits someone's comment: GitHub moves updated_at and sends issue_comment.edited. */
  async function edit(pr: number, c: CommentState, body: string) {
    const from = c.body;
    c.body = body;
    c.edits++;
    c.updatedAt = new Date(Date.parse(c.createdAt!) + 60_000).toISOString();
    await send("issue_comment", commentPayload("edited", pr, c, { changes: { body: { from } } }));
  }

  /** A writer deletes someone's comment: gone from the list, and issue_comment.deleted. */
  async function remove(pr: number, c: CommentState) {
    gh.comments.splice(gh.comments.indexOf(c), 1);
    await send("issue_comment", commentPayload("deleted", pr, c));
  }

  async function openPr(pr: { number: number; base: string }, head: string) {
    const payload = example("pull_request", "opened", 1);
    payload.repository = repository();
    Object.assign(payload.pull_request, { number: pr.number, labels: [] });
    payload.number = pr.number;
    payload.pull_request.base.ref = pr.base;
    payload.pull_request.head.sha = head;
    await send("pull_request", payload);
  }

  /** A (force-)push: the PR's head moves to `head`, and pull_request.synchronize. */
  async function push(pr: { number: number; base: string }, head: string) {
    const seed = gh.repo(OWNER, NAME)!.pulls.find((p) => p.number === pr.number)!;
    const previous = seed.headSha;
    seed.headSha = head;
    const payload = example("pull_request", "synchronize");
    payload.repository = repository();
    Object.assign(payload.pull_request, { number: pr.number, labels: [] });
    payload.number = pr.number;
    payload.pull_request.base.ref = pr.base;
    payload.pull_request.head.sha = head;
    payload.after = head;
    // As GitHub's would, each push's delivery differs (a byte-identical body is dropped as a replay).
    payload.before = previous;
    payload.pull_request.updated_at = new Date().toISOString();
    await send("pull_request", payload);
  }

  const runsOn = (head: string) => gh.checkRuns.filter((r) => r.head_sha === head);
  const evaluations = () => server.output().split('"pull request evaluated"').length - 1;
  /**
   * The check run on `head` once the next evaluation has finished: a new run, or (the verdict unchanged, so
   * its fingerprint equal) the run that already says so.
   */
  const nextRun = async (head: string, before: { evaluations: number }, what: string) => {
    await until(what, () => evaluations() > before.evaluations, 30_000);
    return until(`${what}: a completed run`, () => {
      const last = runsOn(head).at(-1);
      return last?.status === "completed" && last;
    });
  };
  const mark = () => ({ evaluations: evaluations() });

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    const headFiles = { ".readiness.yml": WAIVE_POLICY, "CHANGELOG.md": "## 1.0\n" };
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 91,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": WAIVE_POLICY },
        "release/a": { ".readiness.yml": WAIVE_POLICY },
        "release/b": { ".readiness.yml": SIGNOFF_POLICY },
        ...Object.fromEntries(Object.values(PRS).map((p) => [p.head, headFiles])),
        [PRS.signoff.head]: { ".readiness.yml": SIGNOFF_POLICY },
        [PUSHED]: { ".readiness.yml": SIGNOFF_POLICY },
      },
      pulls: Object.values(PRS).map((p) => ({
        number: p.number,
        base: p.base,
        head: `topic-${p.number}`,
        headSha: p.head,
        user: "releaser",
      })),
      collaborators: { maintainer: "maintain", writer: "write", "qa-lead": "write" },
    });
    // GitHub lists issue comments 100 a page with Link headers; the default route answers in one page.
    gh.route("GET", "/repos/:owner/:repo/issues/:number/comments", (req, g) => {
      const all = g.comments
        .filter((c) => c.owner === req.params.owner && c.repo === req.params.repo)
        .filter((c) => String(c.issue) === req.params.number)
        .map((c) => g.commentPayload(c));
      const perPage = Math.min(100, Number(req.query.get("per_page") ?? 30));
      const page = Math.max(1, Number(req.query.get("page") ?? 1));
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string) =>
        `<${g.baseUrl}${req.path}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const links = page < last ? [link(page + 1, "next"), link(last, "last")] : [];
      return {
        status: 200,
        body: all.slice((page - 1) * perPage, page * perPage),
        headers: links.length ? { link: links.join(", ") } : ({} as Record<string, string>),
      };
    });
    server = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: APP_ID,
      privateKey,
      env: { LOG_LEVEL: "info", DRAIN_TIMEOUT_SECONDS: "5" },
    });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  /** Opens the PR (NO-GO: no README), has the maintainer waive and then unwaive; returns the unwaive comment. */
  async function waivedThenUnwaived(pr: { number: number; base: string; head: string }) {
    const opened = mark();
    await openPr(pr, pr.head);
    expect((await nextRun(pr.head, opened, "the first evaluation")).conclusion).toBe("failure");

    let before = mark();
    await comment(
      pr.number,
      "maintainer",
      "/readiness waive readme for 3d README ships with the docs release",
    );
    const waived = await nextRun(pr.head, before, "the evaluation after the waiver");
    expect(waived.conclusion).toBe("success");
    expect(waived.output.summary).toMatch(/\| \[?readme.*\| comment \| maintainer \|.*\| applied \|/);

    before = mark();
    const unwaive = await comment(pr.number, "maintainer", "/readiness unwaive readme");
    const revoked = await nextRun(pr.head, before, "the evaluation after the unwaive");
    expect(revoked.conclusion).toBe("failure");
    expect(revoked.output.title).toMatch(/^NO-GO/);
    return unwaive;
  }

  // Found by the second fresh-eyes review: the App's refusal quoted a stranger's line, HTML comments included,
  // so its own reply held record markers for comment ids still to come, and a later unwaive was never recorded.
  it("record markers planted through a quoted refusal do not swallow a maintainer's later unwaive", async () => {
    const pr = PRS.planted;
    const opened = mark();
    await openPr(pr, pr.head);
    await nextRun(pr.head, opened, "the first evaluation");
    let before = mark();
    await comment(
      pr.number,
      "maintainer",
      "/readiness waive readme for 3d README ships with the docs release",
    );
    expect((await nextRun(pr.head, before, "the evaluation after the waiver")).conclusion).toBe("success");
    const next = Math.max(...gh.comments.map((c) => c.id)) + 1;
    const lines = Array.from(
      { length: 20 },
      (_, i) => `/readiness nonsense <!-- readiness-gate:record:${next + i} -->`,
    );
    const replies = gh.comments.length;
    await comment(pr.number, "stranger", lines.join("\n"));
    const reply = await until("the refusal", () =>
      gh.comments.slice(replies).find((c) => c.app_id === APP_ID),
    );
    expect(reply.body).not.toMatch(/<!-- readiness-gate:record:\d+ -->/);
    before = mark();
    const unwaive = await comment(pr.number, "maintainer", "/readiness unwaive readme");
    expect(unwaive.id).toBeLessThan(next + 20);
    const run = await nextRun(pr.head, before, "the evaluation after the unwaive");
    expect(run.conclusion).toBe("failure");
    expect(
      gh.comments.some(
        (c) => c.app_id === APP_ID && c.body.startsWith(`<!-- readiness-gate:record:${unwaive.id} -->`),
      ),
    ).toBe(true);
  }, 90_000);

  it("a writer altering the App's record of an unwaive does not bring the waiver back", async () => {
    const pr = PRS.altered;
    const unwaive = await waivedThenUnwaived(pr);
    const record = gh.comments.find(
      (c) => c.app_id === APP_ID && c.body.startsWith(`<!-- readiness-gate:record:${unwaive.id} -->`),
    )!;
    for (const body of [
      "ok",
      record.body.replace("unwaive", "waive"),
      record.body.replace(/ledger [A-Za-z0-9_-]+/, "ledger x"),
    ]) {
      const before = mark();
      record.body = body;
      record.edits++;
      record.updatedAt = new Date(Date.parse(record.createdAt!) + 60_000).toISOString();
      await comment(pr.number, "writer", "/readiness recheck");
      const run = await nextRun(pr.head, before, "the evaluation after the record was altered");
      expect(run.conclusion).toBe("failure");
      expect(run.output.summary).not.toMatch(/\| applied \|/);
    }
  }, 120_000);

  it("a writer editing a maintainer's unwaive comment (one space) does not bring the waiver back", async () => {
    const pr = PRS.revive;
    const unwaive = await waivedThenUnwaived(pr);
    // The App recorded the revocation in its own comment.
    expect(
      gh.comments.some((c) => c.app_id === APP_ID && c.body.includes(`readiness-gate:record:${unwaive.id}`)),
    ).toBe(true);

    const before = mark();
    await edit(pr.number, unwaive, "/readiness  unwaive readme");
    const run = await nextRun(pr.head, before, "the evaluation after the edit");
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toMatch(/^NO-GO/);
    expect(run.output.summary).not.toMatch(/\| applied \|/);
    const notice = await until("the App's answer to the edit", () =>
      gh.comments.find((c) => c.body.includes(`readiness-gate:edited:${unwaive.id}`)),
    );
    expect(notice.body).toContain("an unwaive it gave still holds");
  }, 90_000);

  it("deleting the maintainer's unwaive comment does not bring the waiver back", async () => {
    const pr = PRS.deleted;
    const unwaive = await waivedThenUnwaived(pr);

    const before = mark();
    await remove(pr.number, unwaive);
    const run = await nextRun(pr.head, before, "the evaluation after the deletion");
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toMatch(/^NO-GO/);
    expect(run.output.summary).not.toMatch(/\| applied \|/);
  }, 90_000);

  it("deleting or editing the maintainer's waiver comment voids the waiver", async () => {
    // On the first PR: a fresh waiver, then a writer edits it.
    const pr = PRS.revive;
    let before = mark();
    const waiver = await comment(
      pr.number,
      "maintainer",
      "/readiness waive readme for 2d README lands on Monday",
    );
    expect((await nextRun(pr.head, before, "the evaluation after the new waiver")).conclusion).toBe(
      "success",
    );
    before = mark();
    await edit(pr.number, waiver, "/readiness waive readme for 14d README lands on Monday");
    const run = await nextRun(pr.head, before, "the evaluation after the edit of the waiver");
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).not.toMatch(/\| applied \|/);
  }, 90_000);

  it("a sign-off is bound to the head it was given on: force-pushing back to an older commit voids it", async () => {
    const pr = PRS.signoff;
    const opened = mark();
    await openPr(pr, pr.head);
    expect((await nextRun(pr.head, opened, "the first evaluation")).conclusion).toBe("failure");
    const pushed = mark();
    await push(pr, PUSHED);
    expect((await nextRun(PUSHED, pushed, "the evaluation of the pushed head")).conclusion).toBe("failure");

    let before = mark();
    await comment(pr.number, "qa-lead", "/readiness signoff qa tested on staging");
    const signed = await nextRun(PUSHED, before, "the evaluation after the sign-off");
    expect(signed.conclusion).toBe("success");
    expect(signed.output.summary).toContain("signed off by qa-lead");
    const record = gh.comments.find((c) => c.app_id === APP_ID && c.body.includes("sign-off for `qa`"));
    expect(record?.body).toContain(`on commit \`${PUSHED.slice(0, 7)}\``);

    // The head goes back to the commit pushed before the sign-off.
    before = mark();
    await push(pr, pr.head);
    const back = await nextRun(pr.head, before, "the evaluation after the force-push");
    expect(back.conclusion).toBe("failure");
    expect(back.output.title).toMatch(/^NO-GO/);
    expect(`${back.output.summary}\n${back.output.text ?? ""}`).toContain(
      `qa-lead signed off commit ${PUSHED.slice(0, 7)}, not the pull request's head ${pr.head.slice(0, 7)} (resetOnPush)`,
    );

    // And forward again to the commit that was signed off: it counts once more, for that commit only.
    before = mark();
    await push(pr, PUSHED);
    expect((await nextRun(PUSHED, before, "the evaluation back on the signed commit")).conclusion).toBe(
      "success",
    );
  }, 90_000);

  it("100 throwaway accounts' commands do not crowd out a maintainer's: only recorded grantors are looked up", async () => {
    const pr = PRS.throwaway;
    const opened = mark();
    await openPr(pr, pr.head);
    expect((await nextRun(pr.head, opened, "the first evaluation")).conclusion).toBe("failure");
    // A hundred well-formed commands from a hundred accounts, older than the maintainer's.
    const past = Date.now() - 3_600_000;
    for (let i = 0; i < 100; i++) {
      gh.addComment({
        owner: OWNER,
        repo: NAME,
        issue: pr.number,
        user: `throwaway-${i}`,
        body: `/readiness waive readme for 3d throwaway account number ${i}`,
        createdAt: new Date(past + i * 1000).toISOString(),
      });
    }
    const lookupsBefore = gh.count(`GET /repos/${OWNER}/${NAME}/collaborators/`);
    const before = mark();
    await comment(
      pr.number,
      "maintainer",
      "/readiness waive readme for 3d README ships with the docs release",
    );
    const run = await nextRun(pr.head, before, "the evaluation after the maintainer's waiver");
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toMatch(/\| comment \| maintainer \|.*\| applied \|/);
    expect(run.output.summary).not.toContain("throwaway-");
    // The maintainer's rights when answering and when evaluating; never the throwaway accounts'.
    const lookups = gh.requests.filter((r) => r.path.startsWith(`/repos/${OWNER}/${NAME}/collaborators/`));
    expect(lookups.slice(lookupsBefore).every((r) => r.path.includes("/maintainer/"))).toBe(true);
  }, 90_000);

  it("3,000+ junk comments do not make the ledger unreadable: the maintainer's waiver still counts", async () => {
    const pr = PRS.flood;
    const past = Date.now() - 3_600_000;
    for (let i = 0; i < 3_050; i++) {
      gh.addComment({
        owner: OWNER,
        repo: NAME,
        issue: pr.number,
        user: `spammer-${i % 37}`,
        body: i % 10 === 0 ? `/readiness unwaive readme` : `junk comment ${i}`,
        createdAt: new Date(past + i).toISOString(),
      });
    }
    const opened = mark();
    await openPr(pr, pr.head);
    expect((await nextRun(pr.head, opened, "the first evaluation")).conclusion).toBe("failure");

    const before = mark();
    await comment(
      pr.number,
      "maintainer",
      "/readiness waive readme for 3d README ships with the docs release",
    );
    const run = await nextRun(pr.head, before, "the evaluation after the maintainer's waiver");
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toMatch(/\| comment \| maintainer \|.*\| applied \|/);
    expect(run.output.summary).not.toContain("could not be read");
  }, 120_000);
});
