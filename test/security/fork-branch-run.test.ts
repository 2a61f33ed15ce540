// Found by a tester who had not seen the code (docs/security.md §4.1): a workflow check pinned to `branch: main`
// took a fork's pull_request run for a run of main, because GitHub's `branch` filter matches `head_branch`, and
// a fork's branch may be called `main` too. The fork's own copy of the workflow passed every release PR's gate.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn, type StandInRequest } from "../support/github-stand-in.js";
import { APP_KEYS, deploymentGatePayload, repositoryPayload } from "../support/payloads.js";

const APP_ID = 6161;
const SECRET = `fork-${randomUUID()}`;
const OWNER = "octo";
const NAME = "drill";
const HEAD = "7".repeat(40);
const POLICY = `version: 1
applies: { pullRequests: { branches: ["release/**"] }, environments: [production] }
gate: { minScore: 80 }
checks:
  nightly:
    required: true
    workflow: { name: Nightly drill, branch: main }
`;

describe("a fork's pull_request run from its own branch `main` is not a run of main", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const send = (event: string, payload: unknown) => sendWebhook(server.url, SECRET, event, payload);

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: APP_KEYS.publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 77,
      defaultBranch: "main",
      files: { main: { ".readiness.yml": POLICY }, "release/1": { ".readiness.yml": POLICY }, [HEAD]: {} },
      pulls: [{ number: 7, base: "release/1", head: "prep", headSha: HEAD }],
    });
    const now = Date.now();
    const run = (id: number, event: string, conclusion: string, fork: boolean, ago: number) => ({
      id,
      name: "Nightly drill",
      path: ".github/workflows/nightly.yml",
      head_sha: String(id % 10).repeat(40),
      head_branch: "main",
      event,
      status: "completed",
      conclusion,
      created_at: new Date(now - ago).toISOString(),
      html_url: `${gh.origin}/${OWNER}/${NAME}/actions/runs/${id}`,
      head_repository: { full_name: fork ? "mallory/drill" : `${OWNER}/${NAME}` },
      pull_requests: [],
    });
    // Main's real nightly failed an hour ago; the fork's copy, run on pull_request, "passed" a minute ago.
    const runs = [
      run(502, "pull_request", "success", true, 60_000),
      run(501, "schedule", "failure", false, 3_600_000),
    ];
    const list = (req: StandInRequest) => {
      const branch = req.query.get("branch");
      const status = req.query.get("status");
      const out = runs.filter(
        (r) => (!branch || r.head_branch === branch) && (!status || r.conclusion === status),
      );
      return { status: 200, body: { total_count: out.length, workflow_runs: out } };
    };
    gh.route("GET", "/repos/:owner/:repo/actions/workflows/:wf/runs", list);
    gh.route("GET", "/repos/:owner/:repo/actions/workflows", () => ({
      status: 200,
      body: {
        total_count: 1,
        workflows: [{ id: 1, name: "Nightly drill", path: ".github/workflows/nightly.yml", state: "active" }],
      },
    }));
    server = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey: APP_KEYS.privateKey });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("a release PR's gate stays NO-GO: main's latest own run failed", async () => {
    const payload = example("pull_request", "opened", 1);
    payload.repository = repositoryPayload(OWNER, NAME, 77);
    Object.assign(payload.pull_request, { number: 7, labels: [] });
    payload.number = 7;
    payload.pull_request.base.ref = "release/1";
    payload.pull_request.head.sha = HEAD;
    await send("pull_request", { ...payload, installation: { id: 1 } });
    const run = await until(
      "a completed run",
      () => gh.checkRuns.find((r) => r.head_sha === HEAD && r.status === "completed"),
      20_000,
    );
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("/runs/501");
    expect(run.output.summary).not.toContain("/runs/502");
  });

  it("a production deployment of the commit is not approved on the fork's run", async () => {
    await send(
      "deployment_protection_rule",
      deploymentGatePayload(gh.baseUrl, repositoryPayload(OWNER, NAME, 77), {
        environment: "production",
        sha: HEAD,
        runId: 9001,
        ref: "release/1",
      }),
    );
    const answer = await until(
      "the gate's answer",
      () => gh.gateAnswers.find((a) => a.runId === 9001),
      20_000,
    );
    expect(answer.state).toBe("rejected");
  });
});
