// End to end, slash commands: the built server as its own process against the local GitHub stand-in. A release
// PR blocked by a missing README; an outsider's waiver changes nothing; a maintainer's waiver turns the check run
// green; once the waiver has expired, `readiness reconcile` (its real command line first, then with a later
// clock injected) turns it red again. Nothing but the comments records the waiver.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileMain } from "../../src/app/reconcile-cli.js";
import { buildIfNeeded, ROOT, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { type CommentState, GitHubStandIn } from "../support/github-stand-in.js";
import { expectKnownEndpoint } from "../support/openapi.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";
import { example } from "./harness.js";

const APP_ID = 4343;
const SECRET = `e2e-${randomUUID()}`;
const OWNER = "octo";
const NAME = "service";
const PR = 7;
const HEAD = "3".repeat(40);
const DAY_MS = 86_400_000;
/** What bin/readiness.js does, on tsc's dist/cli/main.js (the build this test makes sure is fresh). */
const CLI = `const [entry, ...args] = process.argv.slice(1);
const { main } = await import(entry);
process.exitCode = await main(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });`;

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
    file: { path: CHANGELOG.md }
commands:
  waive: { permission: maintain, maxDays: 14 }
`;

const { privateKey, publicKey } = APP_KEYS;

const repository = () => repositoryPayload(OWNER, NAME, 78);

describe("end to end: waivers by slash command, and their expiry on reconcile", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  let url = "";
  const output = () => server.output();
  const env = () => ({
    PATH: process.env.PATH,
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    GITHUB_API_URL: gh.baseUrl,
  });

  async function send(event: string, payload: unknown) {
    expect((await sendWebhook(url, SECRET, event, payload)).status).toBe(200);
  }

  /** A person's comment on the PR, and the issue_comment.created webhook GitHub sends for it. */
  async function comment(user: string, body: string): Promise<CommentState> {
    const c = gh.addComment({ owner: OWNER, repo: NAME, issue: PR, user, body });
    const payload = example("issue_comment", "created");
    payload.repository = repository();
    payload.issue.number = PR;
    payload.issue.pull_request = { url: `${gh.baseUrl}/repos/${OWNER}/${NAME}/pulls/${PR}` };
    payload.comment = { ...payload.comment, ...gh.commentPayload(c) };
    payload.comment.user = { ...example("issue_comment", "created").comment.user, login: user, type: "User" };
    await send("issue_comment", payload);
    return c;
  }

  const runs = () => gh.checkRuns.filter((r) => r.head_sha === HEAD);
  const latest = () => runs().at(-1);
  const sticky = () => gh.comments.find((c) => c.issue === PR && c.body.includes("readiness-gate:status"));
  const evaluations = () => output().split('"pull request evaluated"').length - 1;

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
      id: 78,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": POLICY },
        "release/1.0": { ".readiness.yml": POLICY },
        [HEAD]: { ".readiness.yml": POLICY, "CHANGELOG.md": "## 1.0\n" },
      },
      pulls: [{ number: PR, base: "release/1.0", head: "prepare-1.0", headSha: HEAD, user: "releaser" }],
      collaborators: { maintainer: "maintain", outsider: "read" },
    });
    server = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: APP_ID,
      privateKey,
      env: { LOG_LEVEL: "debug", DRAIN_TIMEOUT_SECONDS: "5" },
    });
    url = server.url;
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("a release PR without its README is blocked: the check run fails", async () => {
    const payload = example("pull_request", "opened", 1);
    payload.repository = repository();
    Object.assign(payload.pull_request, { number: PR, labels: [] });
    payload.number = PR;
    payload.pull_request.base.ref = "release/1.0";
    payload.pull_request.head.sha = HEAD;
    await send("pull_request", payload);

    const run = await until("a completed check run", () => latest()?.status === "completed" && latest());
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toMatch(/^NO-GO/);
    await until("the evaluation to finish", () => evaluations() === 1 && sticky());
  });

  it("an outsider's waiver changes nothing: 😕, a reply with the reason, no new evaluation", async () => {
    const before = { runs: runs().length, evaluations: evaluations() };
    const c = await comment("outsider", "/readiness waive readme for 3d the README ships next week");

    await until("the 😕 reaction", () => gh.reactions.find((r) => r.commentId === c.id));
    const reply = await until("the reply", () =>
      gh.comments.find((x) => x.body.includes(`readiness-gate:reply:${c.id}`)),
    );
    expect(gh.reactions.filter((r) => r.commentId === c.id).map((r) => r.content)).toEqual(["confused"]);
    expect(reply.body).toContain("Waivers need maintain permission or above; outsider has read permission.");
    expect(reply.body).toContain("Right forms:");
    // A refused command queues nothing: give a wrong re-evaluation the time to show, then look.
    await new Promise((r) => setTimeout(r, 500));
    expect(evaluations()).toBe(before.evaluations);
    expect(runs()).toHaveLength(before.runs);
    expect(latest()!.conclusion).toBe("failure");
  });

  it("a maintainer's waiver turns the check run green; the check run and the sticky comment show who, why, until when and the comment", async () => {
    const before = runs().length;
    const reason = "README ships with the docs release next week";
    const c = await comment(
      "maintainer",
      `Agreed in the release meeting.\n\n/readiness waive readme for 3d ${reason}`,
    );

    const run = await until(
      "a new, green check run",
      () => runs().length > before && latest()?.conclusion === "success" && latest(),
    );
    expect(gh.reactions.filter((r) => r.commentId === c.id).map((r) => r.content)).toEqual(["+1"]);
    const until3d = new Date(Date.parse(c.createdAt!) + 3 * DAY_MS).toISOString().slice(0, 10);
    const link = `${gh.origin}/${OWNER}/${NAME}/pull/${PR}#issuecomment-${c.id}`;
    const row = `| [readme](${link}) | comment | maintainer | ${reason} | ${until3d} | applied |`;
    expect(run.output.summary).toContain(row);
    expect(run.external_id).toContain("ts=1");
    await until("the sticky comment to show the waiver", () => sticky()?.body.includes(row));
    // Accepted and nothing asked: no reply, only the reaction.
    expect(gh.comments.some((x) => x.body.includes(`readiness-gate:reply:${c.id}`))).toBe(false);
    expect(run.rejectedWrites).toEqual([]);
  });

  it("after the waiver's expiry, readiness reconcile turns the check run red again", async () => {
    // The built command line first, as its own process (the App loaded lazily, the real clock): the waiver
    // still holds, so it only lists. It must also exit by itself once done.
    const dry = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          CLI,
          pathToFileURL(join(ROOT, "dist", "cli", "main.js")).href,
          "reconcile",
          "--repo",
          `${OWNER}/${NAME}`,
          "--dry-run",
        ],
        { cwd: ROOT, env: { ...env(), LOG_LEVEL: "error" }, timeout: 30_000 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number(error.code ?? 1) : 0,
            stdout: String(stdout),
            stderr: String(stderr),
          }),
      );
    });
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `would re-evaluate ${OWNER}/${NAME}#${PR}: its last result depended on waivers that expire`,
    );
    expect(latest()!.conclusion).toBe("success");

    // Ten days later (the clock injected, no test hook in the code): the 3-day waiver has expired.
    const later = new Date(Date.now() + 10 * DAY_MS);
    let stdout = "";
    let stderr = "";
    const code = await reconcileMain(["--repo", `${OWNER}/${NAME}`], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: { ...env(), LOG_LEVEL: "error" },
      now: () => later,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(
      `re-evaluated ${OWNER}/${NAME}#${PR}: its last result depended on waivers that expire`,
    );

    const run = latest()!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.summary).toContain("| expired |");
    expect(run.output.summary).toMatch(
      /The waiver for readme expired on \d{4}-\d{2}-\d{2} and no longer applies/,
    );
    expect(sticky()!.body).toContain("| expired |");
    expect(sticky()!.body).toMatch(/NO-GO/);
  }, 60_000);

  it("every request made of the stand-in is a documented GitHub endpoint", () => {
    expect(gh.count("POST /repos/octo/service/issues/comments/")).toBeGreaterThan(0);
    for (const r of gh.requests) {
      const query = r.query.toString();
      expectKnownEndpoint(r.method, `https://api.github.com${r.path}${query ? `?${query}` : ""}`);
    }
  });
});
