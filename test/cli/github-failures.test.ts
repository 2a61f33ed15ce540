// `readiness check --repo` and `readiness reconcile` as a process against the GitHub stand-in: a bad token or
// key, a 403 and a refused connection are each one line saying what to fix, with the documented exit code;
// never "internal error", and never Octokit's own request log on stderr.
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfNeeded, freePort, ROOT } from "../support/build.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS } from "../support/payloads.js";
import { cleanup, tempDir } from "./helpers.js";

const APP_ID = 4242;
const TOKEN = "ghs_failures";

/** The built command line (dist/cli/main.js) in its own process, as bin/readiness.js runs it. */
const RUN = `import { main } from ${JSON.stringify(join(ROOT, "dist", "cli", "main.js"))};
process.exitCode = await main(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });`;

function readiness(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", RUN, ...args],
      { cwd: tempDir(), env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lines = (text: string) => text.split("\n").filter(Boolean);

describe("GitHub failures from the command line", () => {
  let gh: GitHubStandIn;
  let closed: number;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({ appId: APP_ID, publicKey: APP_KEYS.publicKey }).start();
    gh.tokens.push(TOKEN);
    gh.addRepo({ owner: "octo", name: "svc", files: { main: {} } });
    gh.route("GET", "/repos/:owner/:repo", (req) => ({
      status: 200,
      body: { name: req.params.repo, default_branch: "main", html_url: `${gh.origin}/octo/svc` },
    }));
    // A fine-grained token without Metadata: read on octo/locked.
    gh.use((req) =>
      req.path.startsWith("/repos/octo/locked")
        ? {
            status: 403,
            body: { message: "Resource not accessible by personal access token" },
            headers: { "x-accepted-github-permissions": "metadata=read" },
          }
        : undefined,
    );
    closed = await freePort();
  }, 240_000);

  afterAll(async () => {
    await gh?.stop();
    cleanup();
  });

  const check = (repo: string, env: Record<string, string>) =>
    readiness(["check", "--repo", repo, "--ref", "main"], { GITHUB_API_URL: gh.baseUrl, ...env });

  it("check --repo with a bad token: exit 3, one line naming GITHUB_TOKEN", async () => {
    const r = await check("octo/svc", { GITHUB_TOKEN: "ghs_wrong" });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([
      "readiness: octo/svc@main: repository octo/svc: GitHub rejected the credentials (401 Bad credentials); check GITHUB_TOKEN",
    ]);
  });

  it("check --repo refused (403): exit 3, one line naming the permission the token lacks", async () => {
    const r = await check("octo/locked", { GITHUB_TOKEN: TOKEN });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([
      "readiness: octo/locked@main: repository octo/locked: GitHub refused (403 Resource not accessible by personal access token); the token needs the Metadata: read permission (metadata)",
    ]);
  });

  it("check --repo with nothing listening: exit 3, one line naming GITHUB_API_URL", async () => {
    const url = `http://127.0.0.1:${closed}/api/v3`;
    const r = await check("octo/svc", { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: url });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^readiness: octo/svc@main: repository octo/svc: could not reach GitHub \\(.*ECONNREFUSED.*\\); check GITHUB_API_URL \\(${url.replace(/[./]/g, "\\$&")}\\) and the network$`,
        ),
      ),
    ]);
  });

  it("check --repo with a GITHUB_API_URL that is no URL: exit 2", async () => {
    const r = await check("octo/svc", { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: "ghe.example.com" });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([
      'readiness: GITHUB_API_URL must be a URL such as https://github.example.com/api/v3, got "ghe.example.com"',
    ]);
  });

  const reconcile = (env: Record<string, string>) =>
    readiness(["reconcile", "--dry-run"], {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: APP_KEYS.privateKey,
      GITHUB_API_URL: gh.baseUrl,
      ...env,
    });

  it("reconcile with a key GitHub rejects: exit 2, one line naming APP_ID and PRIVATE_KEY", async () => {
    const other = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const r = await reconcile({ PRIVATE_KEY: other.privateKey });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        /^readiness reconcile: GitHub rejected the App's credentials \(401 A JSON web token could not be decoded\): check APP_ID \(4242\) and PRIVATE_KEY;/,
      ),
    ]);
  });

  it("reconcile with nothing listening: exit 1, one line naming GITHUB_API_URL", async () => {
    const r = await reconcile({ GITHUB_API_URL: `http://127.0.0.1:${closed}/api/v3` });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        /^readiness reconcile: cannot reach GitHub at http:\/\/127\.0\.0\.1:\d+\/api\/v3 \(.*ECONNREFUSED.*\); check GITHUB_API_URL and the network$/,
      ),
    ]);
  });

  it("reconcile with good credentials but an installation GitHub refuses: exit 1, the refusal explained", async () => {
    gh.route("GET", "/installation/repositories", () => ({
      status: 403,
      body: { message: "Resource not accessible by integration" },
    }));
    const r = await reconcile({});
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => !l.startsWith("{"))).toEqual([
      "error: installation 1: GitHub refused (403 Resource not accessible by integration); the app lacks a permission for it",
    ]);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stdout).toMatch(/reconcile: 1 installation\(s\), 0 repositories, .* 1 error\(s\)/);
  });
});
