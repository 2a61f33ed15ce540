// `readiness reconcile` answers deployments waiting on the App's protection rule: a deployment_protection_rule
// webhook that never arrived would otherwise hold the job for GitHub's 30 days. Against the stand-in (checked
// against GitHub's OpenAPI description): a workflow run waits on three environments, of which only one has the
// App's rule. With the servers' DATABASE_URL the answer goes through the store's gate row: two reconciles at
// once (both having seen the deployment waiting) answer it once, and a row already answered is left alone.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileMain } from "../../src/app/reconcile-cli.js";
import { Store } from "../../src/store/store.js";
import { dropSchema, postgresForTests, TEST_DATABASE_URL, uniqueSchema } from "../support/database.js";
import { GitHubStandIn, type WorkflowRunSeed } from "../support/github-stand-in.js";
import { expectKnownEndpoint } from "../support/openapi.js";
import { APP_KEYS } from "../support/payloads.js";

const onPostgres = await postgresForTests("reconcile gates");
const APP_ID = 6161;
const OWNER = "octo";
const NAME = `deploys-${randomUUID().slice(0, 8)}`;
const SHA = "f".repeat(40);
const POLICY = `version: 1
applies:
  environments: [production]
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
`;

describe("readiness reconcile and deployments waiting on the App", () => {
  let gh: GitHubStandIn;
  const schema = uniqueSchema("recgates");
  let runId = 0;
  /** While set, pending_deployments answers only once this many reconciles asked (both see the same wait). */
  let barrier: { want: number; seen: number; open: Promise<void>; release: () => void } | null = null;

  const run = () => gh.repo(OWNER, NAME)!.runs.find((r) => r.id === runId) as WorkflowRunSeed;
  const answers = () => gh.gateAnswers.filter((a) => a.runId === runId && a.state);

  async function reconcile(extra: Record<string, string> = {}, args: string[] = []) {
    let stdout = "";
    let stderr = "";
    const code = await reconcileMain(["--repo", `${OWNER}/${NAME}`, ...args], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: {
        PATH: process.env.PATH,
        APP_ID: String(APP_ID),
        PRIVATE_KEY: APP_KEYS.privateKey,
        GITHUB_API_URL: gh.baseUrl,
        LOG_LEVEL: "error",
        ...extra,
      },
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: APP_KEYS.publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    gh.use(async (req) => {
      if (barrier && req.path.endsWith("/pending_deployments")) {
        barrier.seen++;
        if (barrier.seen >= barrier.want) barrier.release();
        await Promise.race([barrier.open, new Promise((r) => setTimeout(r, 10_000))]);
      }
      return undefined;
    });
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": POLICY },
        [SHA]: { ".readiness.yml": POLICY, "README.md": "# ok\n" },
      },
      // production asks this App; staging another App; qa people only.
      environments: { production: [APP_ID], staging: [APP_ID + 1], qa: [] },
      runs: [
        { name: "CI", path: ".github/workflows/ci.yml", headSha: SHA, branch: "main" },
        {
          name: "Deploy",
          path: ".github/workflows/deploy.yml",
          headSha: SHA,
          branch: "main",
          status: "waiting",
          conclusion: null,
          pendingEnvironments: ["production", "staging", "qa"],
        },
      ],
    });
    runId = gh.repo(OWNER, NAME)!.runs[1]!.id as number;
  }, 60_000);

  afterAll(async () => {
    await gh?.stop();
    if (onPostgres) await dropSchema(schema);
  });

  it("--dry-run names the one environment the App owns and answers nothing", async () => {
    const r = await reconcile({}, ["--dry-run"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${OWNER}/${NAME} run ${runId} → production: deployment waiting`);
    expect(r.stdout).not.toMatch(/→ (staging|qa)/);
    expect(r.stdout).toContain("1 waiting deployment(s) to answer");
    expect(answers()).toEqual([]);
  });

  it.runIf(onPostgres)(
    "two reconciles at once on the servers' database: production approved once, the others untouched",
    async () => {
      let release!: () => void;
      const open = new Promise<void>((r) => {
        release = r;
      });
      barrier = { want: 2, seen: 0, open, release };
      const db = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
      const [a, b] = await Promise.all([reconcile(db), reconcile(db)]);
      barrier = null;
      for (const r of [a, b]) {
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`run ${runId} → production: deployment waiting`);
      }
      expect(answers()).toEqual([
        expect.objectContaining({ environment_name: "production", state: "approved" }),
      ]);
      expect(run().pendingEnvironments).toEqual(["staging", "qa"]);
      const store = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
      try {
        expect((await store.gate(OWNER, NAME, runId, "production"))?.state).toBe("approved");
      } finally {
        await store.close();
      }

      // GitHub listing it again (a late read): the row says answered, so nothing is sent.
      run().pendingEnvironments = ["production", "staging", "qa"];
      const again = await reconcile(db);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`run ${runId} → production: answered already`);
      expect(answers()).toHaveLength(1);
      run().pendingEnvironments = ["staging", "qa"];
    },
    90_000,
  );

  it("without a database: a waiting production deployment is evaluated and approved", async () => {
    const before = answers().length;
    run().pendingEnvironments = ["production", "qa"];
    const r = await reconcile();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 waiting deployment(s) evaluated");
    expect(answers().slice(before)).toEqual([
      expect.objectContaining({ environment_name: "production", state: "approved" }),
    ]);
    expect(run().pendingEnvironments).toEqual(["qa"]);
  }, 60_000);

  it("every request reconcile made is an endpoint of GitHub's OpenAPI description", () => {
    const paths = gh.requests.map((r) => r.path);
    expect(paths.some((p) => p.endsWith("/pending_deployments"))).toBe(true);
    expect(paths.some((p) => p.endsWith("/deployment_protection_rules"))).toBe(true);
    for (const r of gh.requests) {
      const query = r.query.toString();
      expectKnownEndpoint(r.method, `https://api.github.com${r.path}${query ? `?${query}` : ""}`);
    }
  });
});
