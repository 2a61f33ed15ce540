// Secrets never reach the logs. The built server runs a realistic flow at LOG_LEVEL=debug and at trace (a
// release PR opened and pushed to, a workflow_run, a Re-evaluate, a deployment gate, a webhook with a bad
// signature, GitHub failing a few requests), then `readiness reconcile` runs at debug too. Everything both
// wrote (stdout and stderr) is scanned for every line of the App's private key, the webhook secret, each
// installation token the stand-in issued and each App JWT it was shown: none may appear.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubStandIn } from "../support/github-stand-in.js";
import {
  APP_ID,
  buildIfNeeded,
  example,
  INSTALLATION,
  KEYS,
  pullRequestPayload,
  ROOT,
  type Spawned,
  sendWebhook,
  spawnServer,
  until,
  workflowRunPayload,
} from "./support.js";

const SECRET = `logs-${randomUUID()}`;
const OWNER = "octo";
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
  ci:
    required: true
    workflow: { file: ci.yml }
`;
const GOOD = "1".repeat(40);
/** In the payload of a delivery with a wrong signature only: unverified input must not be copied to the log. */
const UNVERIFIED = `forged-${randomUUID()}`;
const BAD = "2".repeat(40);

/** Every piece of the key that could show: each line of the PEM body, and the PEM as base64. */
function keyFragments(pem: string): string[] {
  const body = pem.split("\n").filter((l) => l && !l.startsWith("-----"));
  return [...body, Buffer.from(pem).toString("base64").slice(0, 64), body.join("").slice(100, 164)];
}

describe("logs at debug and trace: no private key, webhook secret, installation token or JWT", () => {
  let gh: GitHubStandIn;
  const servers: Spawned[] = [];
  const outputs: { what: string; text: string }[] = [];

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    // GitHub failing now and then: error paths log too. The third request for each commit's runs fails.
    const seen = new Map<string, number>();
    gh.use((req) => {
      if (!req.path.endsWith("/actions/runs")) return undefined;
      const n = (seen.get(req.path + req.query) ?? 0) + 1;
      seen.set(req.path + req.query, n);
      return n === 3 ? { status: 502, body: { message: "Server Error" } } : undefined;
    });
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await gh?.stop();
  });

  async function flow(level: "debug" | "trace"): Promise<void> {
    const name = `svc-${level}`;
    const repo = { owner: OWNER, name, id: level === "debug" ? 201 : 202 };
    const files = { ".readiness.yml": POLICY, "README.md": "# svc\n" };
    gh.addRepo({
      ...repo,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": POLICY },
        "release/1.0": { ".readiness.yml": POLICY },
        [GOOD]: files,
        [BAD]: { ".readiness.yml": POLICY },
      },
      pulls: [{ number: 7, base: "release/1.0", head: "prepare-1.0", headSha: GOOD }],
      runs: [GOOD, BAD].map((headSha) => ({
        name: "CI",
        path: ".github/workflows/ci.yml",
        headSha,
        event: "pull_request",
        status: "completed",
        conclusion: "success",
      })),
    });
    const server = await spawnServer(gh, SECRET, { LOG_LEVEL: level, DRAIN_TIMEOUT_SECONDS: "20" });
    servers.push(server);
    const evaluated = () => server.output().split('"pull request evaluated"').length - 1;
    const send = (event: string, payload: unknown) => sendWebhook(server.url, SECRET, event, payload);
    const pr = (sha: string, action: string) =>
      pullRequestPayload(repo, { number: 7, base: "release/1.0", headSha: sha, head: "prepare-1.0" }, action);

    expect((await send("pull_request", pr(BAD, "opened"))).status).toBe(200);
    await until(`${level}: first evaluation`, () => evaluated() >= 1, 30_000);
    gh.repo(OWNER, name)!.pulls[0]!.headSha = GOOD;
    expect((await send("pull_request", pr(GOOD, "synchronize"))).status).toBe(200);
    expect(
      (await send("workflow_run", workflowRunPayload(repo, { sha: GOOD, prs: [7], branch: "prepare-1.0" })))
        .status,
    ).toBe(200);
    await until(`${level}: the head evaluated`, () => evaluated() >= 2, 30_000);
    const run = gh.checkRuns.filter((r) => r.repo === name && r.head_sha === GOOD).at(-1)!;
    const rerequest = example("check_run", "requested_action");
    rerequest.repository = {
      ...rerequest.repository,
      name,
      full_name: `${OWNER}/${name}`,
      owner: { login: OWNER },
    };
    Object.assign(rerequest.check_run, {
      id: run.id,
      head_sha: GOOD,
      external_id: run.external_id,
      app: { ...rerequest.check_run.app, id: APP_ID },
      pull_requests: [],
    });
    rerequest.requested_action = { identifier: "reevaluate" };
    expect((await send("check_run", rerequest)).status).toBe(200);
    const gate = {
      action: "requested",
      environment: "production",
      event: "push",
      deployment_callback_url: `${gh.baseUrl}/repos/${OWNER}/${name}/actions/runs/9001/deployment_protection_rule`,
      deployment: { ...example("deployment", "created").deployment, sha: GOOD, environment: "production" },
      pull_requests: [],
      repository: pr(GOOD, "opened").repository,
      installation: { id: INSTALLATION },
    };
    expect((await send("deployment_protection_rule", gate)).status).toBe(200);
    const forged = pr(GOOD, "synchronize");
    forged.pull_request.title = UNVERIFIED;
    expect((await sendWebhook(server.url, `${SECRET}-wrong`, "pull_request", forged)).status).toBe(400);
    await until(`${level}: the gate answered`, () => gh.gateAnswers.find((a) => a.repo === name), 30_000);
    await until(`${level}: the re-evaluation`, () => evaluated() >= 3, 30_000);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    outputs.push({ what: `server at ${level}`, text: server.output() });
  }

  it("a realistic flow at debug and at trace, then reconcile at debug: the secrets appear nowhere", async () => {
    await Promise.all([flow("debug"), flow("trace")]);

    // `readiness reconcile` (what the CLI runs), as its own process with the server's settings.
    const reconcile = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "const { reconcileMain } = await import('./dist/app/reconcile-cli.js');" +
          "process.exitCode = await reconcileMain(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env });",
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          APP_ID: String(APP_ID),
          PRIVATE_KEY: KEYS.privateKey,
          GITHUB_API_URL: gh.baseUrl,
          LOG_LEVEL: "debug",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let text = "";
    reconcile.stdout.on("data", (c: Buffer) => (text += c.toString()));
    reconcile.stderr.on("data", (c: Buffer) => (text += c.toString()));
    const code = await new Promise<number | null>((r) => reconcile.once("exit", r));
    expect(code, text).toBe(0);
    expect(text).toMatch(/reconcile: 1 installation\(s\), 2 repositories/);
    outputs.push({ what: "reconcile at debug", text });

    // The flow did log at those levels, and did get tokens and JWTs: the scan has something to find.
    const tokens = [...gh.tokens];
    const jwts = [
      ...new Set(
        gh.requests
          .map((r) => String(r.headers.authorization ?? ""))
          .filter((a) => /^bearer\s+ey/i.test(a))
          .map((a) => a.replace(/^bearer\s+/i, "")),
      ),
    ];
    // One token per process at least; two processes signing in the same second make the same JWT.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(jwts.length).toBeGreaterThanOrEqual(2);
    const secrets = [
      ...keyFragments(KEYS.privateKey).map((s) => ({ kind: "private key", s })),
      { kind: "webhook secret", s: SECRET },
      ...tokens.map((s) => ({ kind: "installation token", s })),
      ...jwts.map((s) => ({ kind: "App JWT", s })),
    ];
    const leaks: string[] = [];
    let lines = 0;
    let bytes = 0;
    for (const { what, text: out } of outputs) {
      lines += out.split("\n").length;
      bytes += Buffer.byteLength(out);
      for (const { kind, s } of secrets)
        if (out.includes(s)) leaks.push(`${kind} in the output of the ${what}`);
    }
    const debugLines = outputs.map(
      (o) =>
        `${o.what}: ${o.text.split("\n").filter((l) => /"level":(10|20)/.test(l)).length} debug/trace lines`,
    );
    console.log(
      `\nlogs: scanned ${lines} lines (${bytes} bytes) from ${outputs.length} processes (${debugLines.join("; ")}) for ${secrets.length} secrets (${keyFragments(KEYS.privateKey).length} key fragments, 1 webhook secret, ${tokens.length} installation tokens, ${jwts.length} JWTs): ${leaks.length} found\n`,
    );
    for (const o of outputs) expect(o.text, o.what).toMatch(/"level":20/);
    for (const o of outputs)
      expect(o.text.includes(UNVERIFIED), `unverified payload in the ${o.what}`).toBe(false);
    expect(leaks).toEqual([]);
  }, 120_000);
});
