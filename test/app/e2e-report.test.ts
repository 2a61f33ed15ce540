// End to end, the reports people act on: the built server against the GitHub stand-in. The comment and the check
// run carry the score change against the base branch, read from this App's own run on the base branch's head
// (never another App's, never a run without a score); `readiness check --repo --format comment` prints what the
// App posted for the same pull request.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn, type StandInReply } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";
import { example } from "./harness.js";

const APP_ID = 4545;
const SECRET = `e2e-${randomUUID()}`;
const OWNER = "octo";
const NAME = "report";
const HEAD = "5".repeat(40);
const BASE = { own: "a".repeat(40), foreign: "b".repeat(40), blank: "c".repeat(40) };
const CLI_TOKEN = "ghs_cli_preview";
const json = (status: number, body: unknown): StandInReply => ({ status, body });

// README and CHANGELOG present; runbook and license missing: 3/5 = 60, under 80.
const POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
gate:
  minScore: 80
levels:
  bronze: 50
  silver: 80
checks:
  readme: { required: true, weight: 2, file: { path: README.md } }
  changelog: { file: { path: CHANGELOG.md } }
  runbook: { file: { path: docs/runbook.md } }
  license: { waivable: false, file: { path: LICENSE } }
`;

const { privateKey, publicKey } = APP_KEYS;

describe("end to end: the comment and the check run people act on", () => {
  let gh: GitHubStandIn;
  let server: Spawned;

  /** A completed run on a base branch's head, by this App or another. */
  function baseRun(sha: string, title: string, appId = APP_ID) {
    gh.checkRuns.push({
      id: 90_000 + gh.checkRuns.length,
      owner: OWNER,
      repo: NAME,
      name: "Production readiness",
      head_sha: sha,
      status: "completed",
      conclusion: "failure",
      external_id: null,
      output: { title, summary: "", text: undefined },
      annotations: [],
      actions: [],
      app_id: appId,
      writes: [],
      rejectedWrites: [],
    });
  }

  async function open(pr: number, base: string) {
    const payload = example("pull_request", "opened", 1);
    payload.repository = repositoryPayload(OWNER, NAME, 79);
    Object.assign(payload.pull_request, { number: pr, labels: [] });
    payload.number = pr;
    payload.pull_request.base.ref = base;
    payload.pull_request.head.sha = HEAD;
    expect((await sendWebhook(server.url, SECRET, "pull_request", payload)).status).toBe(200);
    return until(`the comment on #${pr}`, () => gh.comments.find((c) => c.issue === pr));
  }

  const latestRun = () => gh.checkRuns.filter((r) => r.head_sha === HEAD && r.status === "completed").at(-1);

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    const policy = { ".readiness.yml": POLICY };
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 79,
      defaultBranch: "main",
      files: {
        main: policy,
        "release/1.0": policy,
        "release/2.0": policy,
        "release/3.0": policy,
        [HEAD]: { ...policy, "README.md": "# report\n", "CHANGELOG.md": "## 1.0\n" },
      },
      refs: { "release/1.0": BASE.own, "release/2.0": BASE.foreign, "release/3.0": BASE.blank },
      pulls: [
        { number: 7, base: "release/1.0", head: "a", headSha: HEAD },
        { number: 8, base: "release/2.0", head: "b", headSha: HEAD },
        { number: 9, base: "release/3.0", head: "c", headSha: HEAD },
      ],
    });
    gh.tokens.push(CLI_TOKEN);
    // What the CLI asks first with a token (the App is told the repository by the webhook).
    gh.route("GET", "/repos/:owner/:repo", (req) =>
      req.params.repo === NAME
        ? json(200, {
            id: 79,
            name: NAME,
            full_name: `${OWNER}/${NAME}`,
            owner: { login: OWNER },
            default_branch: "main",
            html_url: `${gh.origin}/${OWNER}/${NAME}`,
            private: false,
          })
        : json(404, { message: "Not Found" }),
    );
    server = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("this App's run on the base branch's head gives the score change, in the comment and the check run", async () => {
    baseRun(BASE.own, "NO-GO · 54.5/100 (needs 80)");
    const comment = await open(7, "release/1.0");
    expect(comment.body).toContain(
      "### ❌ Production readiness: NO-GO · 60.0/100, +5.5 vs release/1.0 (needs 80)",
    );
    const run = await until("the completed run", latestRun);
    expect(run.output.title).toBe("NO-GO · 60/100, +5.5 vs release/1.0 (needs 80) · level bronze");
    expect(run.output.summary?.split("\n")[0]).toBe(
      "## ❌ Production readiness: NO-GO · 60.0/100, +5.5 vs release/1.0 (needs 80)",
    );
    // What blocks first, then categories; each failing waivable check with its waive line; level named.
    const summary = run.output.summary ?? "";
    expect(summary.indexOf("### What blocks")).toBeLessThan(summary.indexOf("### Categories"));
    expect(summary).toContain("or waive: `/readiness waive runbook for 14d <reason>`");
    expect(summary).not.toContain("/readiness waive license");
    expect(comment.body).toContain("level bronze (silver needs 80)");
    expect(comment.body.trimEnd().split("\n").at(-1)).toBe(
      "Reply `/readiness help` to see the commands: waive, unwaive, sign off, re-check.",
    );
  });

  it("another App's run, or one of ours without a score, gives no change and no error", async () => {
    baseRun(BASE.foreign, "GO · 100/100", 999);
    const foreign = await open(8, "release/2.0");
    expect(foreign.body).toContain("### ❌ Production readiness: NO-GO · 60.0/100 (needs 80)");
    expect(foreign.body).not.toContain(" vs ");
    baseRun(BASE.blank, "Could not evaluate");
    const blank = await open(9, "release/3.0");
    expect(blank.body).toContain("### ❌ Production readiness: NO-GO · 60.0/100 (needs 80)");
    expect(server.output()).not.toMatch(/"level":50/);
  });

  it("`readiness check --repo --format comment` prints what the App posted, but for the check run's link", async () => {
    const posted = gh.comments.find((c) => c.issue === 8)!.body;
    let stdout = "";
    let stderr = "";
    const code = await main(
      ["check", "--repo", `${OWNER}/${NAME}`, "--ref", "pull/8", "--format", "comment"],
      {
        stdout: {
          write: (s: string) => {
            stdout += s;
            return true;
          },
        } as never,
        stderr: {
          write: (s: string) => {
            stderr += s;
            return true;
          },
        } as never,
        env: { GITHUB_API_URL: gh.baseUrl, GITHUB_TOKEN: CLI_TOKEN },
        cwd: process.cwd(),
      },
    );
    expect(stderr).toBe("");
    expect(code).toBe(1);
    // The App links the pull request's checks (where its run is); a preview has none to link, and says where
    // the full report is.
    const link = /^\[Full report\]\(http:\/\/[^)]+\/octo\/report\/pull\/8\/checks\)$/m;
    expect(posted).toMatch(link);
    expect(stdout).toBe(posted.replace(link, "Full report: `readiness check --format json`."));
  });
});
