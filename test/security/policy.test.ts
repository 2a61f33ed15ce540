// Issue 8, items 2 and 6 (in part), end to end against the built server and the GitHub stand-in:
// a pull request cannot read other repositories through its policy; errors never quote another repository's
// file; ids that collide with Object.prototype are refused; environments compare case-insensitively;
// /metrics does not list installations to anyone.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatesEnvironment } from "../../src/app/applies.js";
import { bearerMatches } from "../../src/app/routes.js";
import { policySchema } from "../../src/policy/schema.js";
import { example } from "../app/harness.js";
import {
  buildIfNeeded,
  freePort,
  type Spawned,
  sendWebhook,
  spawnBuiltServer,
  until,
} from "../support/build.js";
import { type CheckRunState, GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS, deploymentGatePayload, repositoryPayload } from "../support/payloads.js";

const APP_ID = 4343;
const SECRET = `policy-${randomUUID()}`;
const OWNER = "octo";
const { privateKey, publicKey } = APP_KEYS;

const TOKEN = "ghp_R3adMeIfY0uCanZ9x8w7v6u5t4s3r2q1p0";
// Policy-shaped, so a validator that follows the reference quotes it: the token at a key a message would show.
const PRIVATE_FILE = `version: 1
gate:
  checkName: 12345
  mode: "${TOKEN}"
checks:
  internal-payroll-export:
    weight: -1
`;
/** Every piece of the private file that could leak: each line, each key, each value. */
const PRIVATE_PIECES = ["ghp_R3adMe", TOKEN.slice(-12), "payroll", "internal-", "12345", "checkName"];

const BASE_POLICY = `version: 1
applies:
  pullRequests: { branches: [main] }
  environments: [production]
checks:
  readme:
    required: true
    file: { path: README.md }
`;
const GOOD_FILES = { "README.md": "# hello\n" };

const repository = (name: string, id: number) => repositoryPayload(OWNER, name, id);

/** A pull_request.opened payload; `fork`: the head lives in another account's fork. */
function pullRequest(name: string, id: number, number: number, headSha: string, fork = false) {
  const payload = example("pull_request", "opened", 1);
  payload.repository = repository(name, id);
  payload.number = number;
  Object.assign(payload.pull_request, { number, labels: [] });
  payload.pull_request.base.ref = "main";
  payload.pull_request.head.sha = headSha;
  if (fork) {
    payload.pull_request.head.ref = "patch-1";
    payload.pull_request.head.repo = {
      ...repository(name, id + 1000),
      full_name: `mallory/${name}`,
      fork: true,
      owner: { ...payload.repository.owner, login: "mallory" },
    };
  }
  return payload;
}

/** What the App asked of the private repository after request number `since`. */
let readsOfPrivate: (since: number) => string[] = () => [];

/** All a user can read of a check run: title, summary, text and annotations. */
const visible = (run: CheckRunState): string => JSON.stringify([run.output, run.annotations]);

describe("security: policies (issue 8, items 2 and 6)", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const send = (event: string, payload: unknown) => sendWebhook(server.url, SECRET, event, payload);
  const completed = (sha: string) =>
    until(`a completed check run on ${sha.slice(0, 6)}`, () =>
      gh.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
    );

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    gh.addRepo({ owner: OWNER, name: "private", id: 500, files: { main: { "secret.yml": PRIVATE_FILE } } });
    server = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey });
    readsOfPrivate = (since) =>
      gh.requests
        .slice(since)
        .filter((r) => r.path.toLowerCase().startsWith(`/repos/${OWNER}/private`))
        .map((r) => `${r.method} ${r.path}`);
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  describe("2. a pull request cannot read other repositories through its policy", () => {
    it("a fork PR whose .readiness.yml also has its own error: that error is reported, the reference is still not followed", async () => {
      const head = "a1".repeat(20);
      const headPolicy = `version: 1
extends: [octo/private:secret.yml]
gate:
  minScore: 101
checks:
  readme:
    file: { path: README.md }
`;
      gh.addRepo({
        owner: OWNER,
        name: "svc-fork",
        id: 601,
        files: {
          main: { ".readiness.yml": BASE_POLICY },
          [head]: { ...GOOD_FILES, ".readiness.yml": headPolicy },
        },
        pulls: [{ number: 1, base: "main", head: "patch-1", headSha: head }],
      });
      const since = gh.requests.length;
      expect((await send("pull_request", pullRequest("svc-fork", 601, 1, head, true))).status).toBe(200);
      const run = await completed(head);

      // the head policy was read and validated (its own problem is reported) ...
      expect(gh.count(`GET /repos/${OWNER}/svc-fork/contents/.readiness.yml`)).toBeGreaterThan(0);
      expect(run.output.title).toContain("policy in this PR is invalid");
      expect(run.output.summary).toContain("gate.minScore: must be between 0 and 100, got 101");
      // ... and the reference into another repository was never followed with the App's token
      expect(readsOfPrivate(since)).toEqual([]);
      for (const piece of PRIVATE_PIECES) expect(visible(run)).not.toContain(piece);
    });

    it("a fork PR whose .readiness.yml extends octo/private:secret.yml: the file is never requested, nothing of it is shown, the base policy decides (GO)", async () => {
      const head = "a2".repeat(20);
      gh.addRepo({
        owner: OWNER,
        name: "svc-quiet",
        id: 602,
        files: {
          main: { ".readiness.yml": BASE_POLICY },
          [head]: { ...GOOD_FILES, ".readiness.yml": "version: 1\nextends: [octo/private:secret.yml]\n" },
        },
        pulls: [{ number: 2, base: "main", head: "patch-1", headSha: head }],
      });
      const since = gh.requests.length;
      expect((await send("pull_request", pullRequest("svc-quiet", 602, 2, head, true))).status).toBe(200);
      const run = await completed(head);
      expect(readsOfPrivate(since)).toEqual([]);
      for (const piece of PRIVATE_PIECES) expect(visible(run)).not.toContain(piece);
      expect(run.conclusion).toBe("success");
    });

    it("a base policy extending another repository's file that has errors: the error names the reference, not its content", async () => {
      const head = "a3".repeat(20);
      gh.addRepo({
        owner: OWNER,
        name: "svc-base",
        id: 603,
        files: {
          main: { ".readiness.yml": "version: 1\nextends: [octo/private:secret.yml]\n" },
          [head]: GOOD_FILES,
        },
        pulls: [{ number: 3, base: "main", head: "feature", headSha: head }],
      });
      expect((await send("pull_request", pullRequest("svc-base", 603, 3, head))).status).toBe(200);
      const run = await completed(head);
      expect(run.conclusion).toBe("failure");
      expect(run.output.title).toMatch(/^Invalid policy/);
      // a maintainer chose this reference: it is read, and which reference failed is said
      expect(gh.count(`GET /repos/${OWNER}/private/contents/secret.yml`)).toBeGreaterThan(0);
      expect(run.output.summary).toContain(
        '.readiness.yml:2:11: extends[0]: "octo/private:secret.yml" (or a file it extends) has 3 problems; they are not shown here because that file belongs to another repository',
      );
      expect(run.annotations).toEqual([
        expect.objectContaining({ path: ".readiness.yml", start_line: 2, annotation_level: "failure" }),
      ]);
      for (const piece of PRIVATE_PIECES) expect(visible(run)).not.toContain(piece);
    });

    it("a writer's own branch policy cannot extend a repository the default branch's policy does not: nothing read, the gate fails closed", async () => {
      const head = "a4".repeat(20);
      const shared = "version: 1\nchecks:\n  org-runbook:\n    file: { path: RUNBOOK.md }\n";
      gh.addRepo({ owner: OWNER, name: "policies", id: 700, files: { main: { "service.yml": shared } } });
      const valid = "version: 1\nchecks:\n  internal-payroll-export:\n    file: { path: PAYROLL.md }\n";
      gh.repo(OWNER, "private")!.files.main!["valid.yml"] = valid;
      const loose =
        "version: 1\napplies: { pullRequests: {} }\nextends: [octo/policies:service.yml, octo/private:valid.yml]\n";
      gh.addRepo({
        owner: OWNER,
        name: "svc-branch",
        id: 604,
        files: {
          main: { ".readiness.yml": `${BASE_POLICY}extends: [octo/policies:service.yml]\n` },
          loose: { ".readiness.yml": loose },
          [head]: GOOD_FILES,
        },
        pulls: [{ number: 4, base: "loose", head: "feature", headSha: head }],
      });
      const since = gh.requests.length;
      const payload = pullRequest("svc-branch", 604, 4, head);
      payload.pull_request.base.ref = "loose";
      expect((await send("pull_request", payload)).status).toBe(200);
      const run = await completed(head);
      // The file the default branch's policy extends is read; the one only the writer's branch names is not.
      expect(gh.count(`GET /repos/${OWNER}/policies/contents/service.yml`)).toBeGreaterThan(0);
      expect(readsOfPrivate(since)).toEqual([]);
      expect(run.conclusion).toBe("failure");
      expect(run.output.title).toMatch(/^Invalid policy/);
      expect(run.output.summary).toContain("only the default branch's policy may add another");
      expect(visible(run)).not.toContain("payroll");
    });
  });

  describe("6. names are compared the way GitHub compares them", () => {
    it("a check id __proto__ is an invalid policy with a clear message at file:line:column (it used to vanish: GO)", async () => {
      const head = "b1".repeat(20);
      gh.addRepo({
        owner: OWNER,
        name: "svc-proto",
        id: 604,
        files: {
          main: {
            ".readiness.yml": `version: 1
applies:
  pullRequests: { branches: [main] }
checks:
  __proto__:
    required: true
    file: { path: SECURITY.md }
  readme:
    file: { path: README.md }
`,
          },
          [head]: GOOD_FILES,
        },
        pulls: [{ number: 4, base: "main", head: "feature", headSha: head }],
      });
      expect((await send("pull_request", pullRequest("svc-proto", 604, 4, head))).status).toBe(200);
      const run = await completed(head);
      expect(run.conclusion).toBe("failure");
      expect(run.output.title).toBe("Invalid policy: 1 problem in .readiness.yml");
      expect(run.output.summary).toContain(
        '.readiness.yml:5:3: checks.__proto__: "__proto__" cannot be a check id: it is a reserved name',
      );
    });

    it("a deployment to `Production` when the policy lists `production` is evaluated (here NO-GO: rejected), not waved through", async () => {
      const sha = "b2".repeat(20);
      gh.addRepo({
        owner: OWNER,
        name: "svc-deploy",
        id: 605,
        files: { main: { ".readiness.yml": BASE_POLICY }, [sha]: { "CHANGELOG.md": "x\n" } },
      });
      const payload = deploymentGatePayload(gh.baseUrl, repository("svc-deploy", 605), {
        environment: "Production",
        sha,
        runId: 9101,
      });
      expect((await send("deployment_protection_rule", payload)).status).toBe(200);
      const answer = await until("the gate's answer", () => gh.gateAnswers.find((a) => a.runId === 9101));
      expect(answer).toMatchObject({ environment_name: "Production", state: "rejected" });
      const run = await completed(sha);
      expect(run.conclusion).toBe("failure");
      expect(answer.comment).toContain(`/runs/${run.id}`);
    });

    it("/metrics without METRICS_TOKEN or METRICS_PORT answers, but names no installation", async () => {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^readiness_github_rate_limit_remaining \d+$/m);
      expect(text).not.toContain("installation=");
    });
  });
});

describe("security: /metrics behind METRICS_TOKEN or METRICS_PORT (issue 8, item 6)", () => {
  let gh: GitHubStandIn;
  const servers: Spawned[] = [];
  const METRICS_TOKEN = `m-${randomUUID()}`;

  /** A server that has made at least one installation request, so per-installation series exist. */
  async function serverWith(env: Record<string, string>): Promise<Spawned> {
    const s = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey, env });
    servers.push(s);
    const sha = "c1".repeat(20);
    const payload = pullRequest("svc-metrics", 700, 9, sha);
    expect((await sendWebhook(s.url, SECRET, "pull_request", payload)).status).toBe(200);
    const before = gh.requests.length;
    await until(
      "the evaluation",
      () => gh.requests.length > before && s.output().includes("pull request evaluated"),
    );
    return s;
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
      name: "svc-metrics",
      id: 700,
      files: { main: { ".readiness.yml": BASE_POLICY }, ["c1".repeat(20)]: GOOD_FILES },
      pulls: [{ number: 9, base: "main", head: "feature", headSha: "c1".repeat(20) }],
    });
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await gh?.stop();
  });

  it("METRICS_TOKEN: 401 without the bearer token or with a wrong one; with it, the metrics including installations", async () => {
    const s = await serverWith({ METRICS_TOKEN });
    const none = await fetch(`${s.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain("readiness_");
    const wrong = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(`${s.url}/metrics`, { headers: { authorization: `Basic ${METRICS_TOKEN}` } });
    expect(basic.status).toBe(401);
    const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/readiness_github_rate_limit_remaining\{installation="1"\} \d+/);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it("METRICS_PORT: /metrics is only on that port (404 on the webhook port), with installations", async () => {
    const port = await freePort();
    const s = await serverWith({ METRICS_PORT: String(port) });
    expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/readiness_github_rate_limit_remaining\{installation="1"\} \d+/);
    expect((await fetch(`http://127.0.0.1:${port}/api/github/webhooks`)).status).toBe(404);
  }, 60_000);

  it("a short METRICS_TOKEN is refused at start", async () => {
    await expect(
      spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey, env: { METRICS_TOKEN: "short" } }),
    ).rejects.toThrow(/METRICS_TOKEN must be at least 16 printable characters/);
  }, 60_000);
});

describe("unit: names and tokens", () => {
  const policy = policySchema().parse({ version: 1, applies: { environments: ["production", "staging-*"] } });

  it("environments match case-insensitively, globs too", () => {
    for (const env of ["production", "Production", "PRODUCTION", "Staging-EU"])
      expect(gatesEnvironment(policy, env)).toBe(true);
    expect(gatesEnvironment(policy, "productions")).toBe(false);
  });

  it("bearer tokens: exact match only", () => {
    expect(bearerMatches("Bearer abcdefghijklmnop", "abcdefghijklmnop")).toBe(true);
    expect(bearerMatches("bearer abcdefghijklmnop", "abcdefghijklmnop")).toBe(true);
    expect(bearerMatches("Bearer abcdefghijklmno", "abcdefghijklmnop")).toBe(false);
    expect(bearerMatches(undefined, "abcdefghijklmnop")).toBe(false);
    expect(bearerMatches("abcdefghijklmnop", "abcdefghijklmnop")).toBe(false);
  });
});
