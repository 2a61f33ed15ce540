// End to end: the built server (`node dist/app/main.js`) as its own process, a generated App key, GITHUB_API_URL
// pointing at a local GitHub stand-in, HMAC-signed webhooks over HTTP, and assertions on what the App wrote.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commentHash } from "../../src/app/publish/comment.js";
import {
  buildIfNeeded,
  ROOT,
  SERVER_MAIN,
  type Spawned,
  sendWebhook,
  spawnBuiltServer,
  until,
} from "../support/build.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";
import { example } from "./harness.js";

const APP_ID = 4242;
const SECRET = `e2e-${randomUUID()}`;
const OWNER = "octo";
const NAME = "service";
const HEAD = "1".repeat(40);
const DEPLOY = "2".repeat(40);

const POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
  environments: [production]
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
  changelog:
    file: { path: CHANGELOG.md }
`;

const { privateKey, publicKey } = APP_KEYS;

const repository = () => repositoryPayload(OWNER, NAME, 77);

describe("end to end: the built server against a GitHub stand-in", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  let url = "";
  const output = () => server.output();

  const send = (event: string, payload: unknown, signature?: string) =>
    sendWebhook(url, SECRET, event, payload, signature ? { "x-hub-signature-256": signature } : {});

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    const files = { ".readiness.yml": POLICY, "README.md": "# service\n", "CHANGELOG.md": "## 1.0\n" };
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 77,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": POLICY },
        "release/1.0": { ".readiness.yml": POLICY },
        [HEAD]: files,
        [DEPLOY]: files,
      },
      pulls: [{ number: 7, base: "release/1.0", head: "prepare-1.0", headSha: HEAD }],
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

  it("is ready: /healthz and /readyz answer 200", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it("a bad signature is rejected with 400 and causes no GitHub request", async () => {
    const before = gh.requests.length;
    const payload = { ...example("pull_request", "opened", 1), repository: repository() };
    const res = await send(
      "pull_request",
      payload,
      "sha256=0000000000000000000000000000000000000000000000000000000000000000",
    );
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(gh.requests.length).toBe(before);
  });

  it("pull_request.opened: acknowledged at once, then one check run (GO) and one sticky comment", async () => {
    const payload = example("pull_request", "opened", 1);
    payload.repository = repository();
    Object.assign(payload.pull_request, { number: 7, labels: [] });
    payload.number = 7;
    payload.pull_request.base.ref = "release/1.0";
    payload.pull_request.head.sha = HEAD;

    const started = Date.now();
    const res = await send("pull_request", payload);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);

    const run = await until("a completed check run", () =>
      gh.checkRuns.find((r) => r.head_sha === HEAD && r.status === "completed"),
    );
    expect(gh.checkRuns.filter((r) => r.head_sha === HEAD)).toHaveLength(1);
    expect(run).toMatchObject({
      name: "Production readiness",
      conclusion: "success",
      external_id: expect.stringMatching(
        /^readiness;ctx=pull_request;pr=7;b=release%2F1.0;fp=[0-9a-f]{16};cm=7:[0-9a-f]{12}$/,
      ),
    });
    expect(run.output.title).toBe("GO · 100/100");
    // Quick, and nothing to hide on the commit: one write creates the run with its result.
    expect(run.writes).toHaveLength(1);
    expect(run.writes[0]).toMatchObject({ status: "completed", conclusion: "success" });
    const comment = await until("the sticky comment", () => gh.comments.find((c) => c.issue === 7));
    expect(comment.body).toContain("<!-- readiness-gate:status -->");
    // The run went first and records the comment written after it (reconcile heals any other).
    expect(run.external_id).toContain(`;cm=7:${commentHash(comment.body)}`);
    const order = gh
      .writes()
      .filter((w) => w.path.endsWith("/check-runs") || w.path.endsWith("/issues/7/comments"));
    expect(order.map((w) => w.path.replace(/^.*\//, ""))).toEqual(["check-runs", "comments"]);
    // The head's policy file is the base's (the commit's tree says so): not read. The tree is read once, for
    // that look and the file checks both.
    const gets = gh.requests.filter((r) => r.method === "GET").map((r) => r.path);
    expect(gets.filter((p) => p.includes(".readiness.yml") && p.includes(HEAD))).toEqual([]);
    expect(gets.filter((p) => p.includes(`/git/trees/${HEAD}`))).toHaveLength(1);

    // The same commit again (a synchronize), same evidence: the completed run already says it and the comment
    // is unchanged, so nothing is written (GitHub would refuse to reopen a completed run anyway).
    const writesBefore = gh.writes().length;
    payload.action = "synchronize";
    expect((await send("pull_request", payload)).status).toBe(200);
    await until("a second evaluation", () => output().split('"pull request evaluated"').length - 1 >= 2);
    expect(gh.writes().length).toBe(writesBefore);
    expect(gh.checkRuns.filter((r) => r.head_sha === HEAD)).toHaveLength(1);
    expect(gh.comments.filter((c) => c.issue === 7)).toHaveLength(1);
    expect(comment.edits).toBe(0);
    expect(run.rejectedWrites).toEqual([]);
  });

  it("deployment_protection_rule.requested: evaluates the commit and approves the deployment", async () => {
    const base = example("deployment", "created", 1);
    const payload = {
      action: "requested",
      environment: "production",
      event: "push",
      deployment_callback_url: `${gh.baseUrl}/repos/${OWNER}/${NAME}/actions/runs/9001/deployment_protection_rule`,
      deployment: { ...base.deployment, sha: DEPLOY, environment: "production" },
      pull_requests: [],
      repository: repository(),
      installation: { id: 1 },
      sender: base.sender,
    };
    expect((await send("deployment_protection_rule", payload)).status).toBe(200);

    const answer = await until("the gate's answer", () => gh.gateAnswers.find((a) => a.runId === 9001));
    expect(answer).toMatchObject({ environment_name: "production", state: "approved" });
    const run = gh.checkRuns.find((r) => r.head_sha === DEPLOY)!;
    expect(answer.comment).toContain(`/runs/${run.id}`);
  });

  it("metrics count what happened", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/readiness_webhooks_total\{event="pull_request",action="opened"\} 1/);
    expect(text).toMatch(/readiness_evaluations_total\{context="pull_request",verdict="go"\} 2/);
    expect(text).toMatch(/readiness_github_requests_total\{status="201"\} \d+/);
  });

  it("logs are JSON with delivery id, repository and sha; the key and tokens never appear", () => {
    const lines = output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const evaluated = lines.find((l) => l.msg === "pull request evaluated");
    expect(evaluated).toMatchObject({ repository: `${OWNER}/${NAME}`, sha: HEAD });
    expect(typeof evaluated?.deliveryId).toBe("string");
    const keyBody = privateKey.split("\n")[1]!;
    expect(output()).not.toContain(keyBody);
    expect(gh.tokens.length).toBeGreaterThan(0);
    for (const token of gh.tokens) expect(output()).not.toContain(token);
  });

  it("SIGTERM: readiness turns 503, the queue drains, the process exits 0", async () => {
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(output()).toContain("draining: no new webhooks");
  }, 20_000);
});

describe("end to end: refusing to start", () => {
  it("missing settings: exit code 1 and one clear line, before anything listens", () => {
    buildIfNeeded();
    let stderr = "";
    let status: number | null = 0;
    try {
      execFileSync(process.execPath, [SERVER_MAIN], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, WEBHOOK_SECRET: "development", NODE_ENV: "production" },
        stdio: "pipe",
      });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(
      /^readiness-gate: cannot start: APP_ID is not set; PRIVATE_KEY or PRIVATE_KEY_PATH is not set.*WEBHOOK_SECRET is Probot's "development" default/,
    );
  }, 240_000);
});
