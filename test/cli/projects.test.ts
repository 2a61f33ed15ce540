// `readiness check` on a monorepo (issue 9): real git repositories in temp folders. The root policy declares
// the projects; every project is judged (or `--project`, or the project directory the command runs in), each
// with its own policy whose file paths are relative to the project, and the most restrictive verdict wins.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonReportSchema } from "../report/json-contract.js";
import { serveGitRepo } from "../support/git-github.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { cleanup, cli, git, repo, tempDir } from "./helpers.js";

afterAll(cleanup);

const ROOT = `version: 1
projects: ["services/*", libs/auth]
checks:
  readme:
    required: true
    file: { path: README.md }
`;
const SERVICE = `version: 1
gate: { minScore: 50 }
checks:
  runbook:
    required: true
    fix: Write the service's runbook.
    file: { path: RUNBOOK.md }
  changelog:
    file: { path: CHANGELOG.md }
`;
const FILES = {
  ".readiness.yml": ROOT,
  "README.md": "# mono\n",
  "services/api/.readiness.yml": SERVICE,
  "services/api/main.ts": "export {};\n",
  // A RUNBOOK.md at the root must not count for a project: its paths are its own.
  "RUNBOOK.md": "# not the api's\n",
  "services/web/.readiness.yml": SERVICE,
  "services/web/RUNBOOK.md": "# web\n",
  "services/web/CHANGELOG.md": "# changes\n",
  "services/tools/x.ts": "export {};\n",
  "libs/auth/.readiness.yml": "version: 1\nchecks:\n  tests:\n    file: { path: test/auth.test.ts }\n",
  "libs/auth/test/auth.test.ts": "test\n",
};

const json = (stdout: string) => JsonReportSchema.parse(JSON.parse(stdout));

describe("readiness check on a monorepo", () => {
  it("at the root: every project judged, each row in the JSON report, the most restrictive verdict", async () => {
    const dir = repo(FILES);
    const r = await cli(["check", "--format", "json", "--now", "2025-01-02"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const report = json(r.stdout);
    expect(report.verdict).toBe("no-go");
    expect(report.score).toBe(100); // the root policy's own score
    expect(report.projects).toEqual([
      {
        path: "libs/auth",
        policy: "libs/auth/.readiness.yml",
        verdict: "go",
        score: 100,
        minScore: 80,
        incomplete: false,
      },
      {
        path: "services/api",
        policy: "services/api/.readiness.yml",
        verdict: "no-go",
        score: 0,
        minScore: 50,
        incomplete: false,
      },
      {
        path: "services/web",
        policy: "services/web/.readiness.yml",
        verdict: "go",
        score: 100,
        minScore: 50,
        incomplete: false,
      },
    ]);
    // Fixing the required runbook alone reaches services/api's 50: the changelog does not block.
    expect(report.blocking).toEqual(["services/api:runbook"]);
    const runbook = report.checks.find((c) => c.id === "services/api:runbook")!;
    expect(runbook.summary).toContain("services/api/RUNBOOK.md");
    expect(runbook.fix).toBe("Write the service's runbook.");
  });

  it("text report: a Projects section, the failing project's check named with its project", async () => {
    const dir = repo(FILES);
    const r = await cli(["check", "--now", "2025-01-02"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Projects");
    expect(r.stdout).toMatch(/NO-GO {2}services\/api {2}score 0 \/ 50/);
    expect(r.stdout).toMatch(/GO {2}services\/web {2}score 100 \/ 50/);
    expect(r.stdout).toContain("[services/api:runbook]  (required, BLOCKING)");
  });

  it("--project judges the root policy and that project only", async () => {
    const dir = repo(FILES);
    const web = await cli(["check", "--project", "services/web", "--format", "json"], { cwd: dir });
    expect(web.code).toBe(0);
    expect(json(web.stdout).projects?.map((p) => p.path)).toEqual(["services/web"]);
    const api = await cli(["check", "--project", "services/api/", "--format", "json"], { cwd: dir });
    expect(api.code).toBe(1);
    expect(json(api.stdout).projects?.map((p) => p.path)).toEqual(["services/api"]);
  });

  it("run in a project's directory: that project, judged with the root policy, as a PR touching it would be", async () => {
    const dir = repo(FILES);
    const r = await cli(["check", "--format", "json"], { cwd: join(dir, "services/web") });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = json(r.stdout);
    expect(report.projects?.map((p) => p.path)).toEqual(["services/web"]);
    expect(report.checks.map((c) => c.id)).toEqual([
      "readme",
      "services/web:runbook",
      "services/web:changelog",
    ]);
    const api = await cli(["check", "services/api"], { cwd: dir });
    expect(api.code).toBe(1);
  });

  it("--project naming no project is a usage error that lists the projects", async () => {
    const dir = repo(FILES);
    const r = await cli(["check", "--project", "services/tools"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "services/tools is not a project: the policy's projects are libs/auth, services/api, services/web",
    );
  });

  it("a project declared by name without a policy, or with an invalid one, fails closed (NO-GO)", async () => {
    const { "libs/auth/.readiness.yml": _gone, ...files } = FILES;
    const missing = await cli(["check", "--format", "json"], { cwd: repo(files) });
    expect(missing.code).toBe(1);
    const report = json(missing.stdout);
    expect(report.incomplete).toBe(true);
    expect(report.projects?.find((p) => p.path === "libs/auth")).toMatchObject({
      verdict: "no-go",
      score: null,
    });
    expect(report.checks.find((c) => c.id === "libs/auth:policy")?.summary).toBe(
      "libs/auth/.readiness.yml does not exist.",
    );

    const invalid = await cli(["check"], {
      cwd: repo({ ...FILES, "services/web/.readiness.yml": "version: 1\ngate: { minScore: 101 }\n" }),
    });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("services/web/.readiness.yml:2:");
    expect(invalid.stdout).toContain("services/web/.readiness.yml is not a valid policy");
  });

  it("a policy without projects: --project is a usage error, the report has no projects field", async () => {
    const dir = repo({ ".readiness.yml": ROOT.replace(/^projects:.*\n/m, ""), "README.md": "# x\n" });
    const plain = await cli(["check", "--format", "json"], { cwd: dir });
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).not.toHaveProperty("projects");
    const r = await cli(["check", "--project", "services/api"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the policy declares no projects");
  });
});

describe("readiness check --repo on a monorepo", () => {
  const gh = new GitHubStandIn({ appId: 1 });
  beforeAll(async () => {
    await gh.start();
  });
  afterAll(async () => {
    await gh.stop();
  });

  it("gives the local answer: the same projects, checks and verdict, read from GitHub at the ref", async () => {
    const dir = repo(FILES);
    const sha = git(dir, ["rev-parse", "HEAD"]).trim();
    serveGitRepo(gh, { owner: "octo", name: "mono", dir, token: "ghs_mono" });
    const args = ["--format", "json", "--now", "2025-01-02"];
    const local = json((await cli(["check", ...args], { cwd: dir })).stdout);
    const r = await cli(["check", "--repo", "octo/mono", "--ref", sha, ...args], {
      cwd: tempDir(),
      env: { GITHUB_API_URL: gh.baseUrl, GITHUB_TOKEN: "ghs_mono" },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const remote = json(r.stdout);
    expect(remote.projects).toEqual(local.projects);
    expect(remote.checks.map((c) => [c.id, c.status])).toEqual(local.checks.map((c) => [c.id, c.status]));
    const only = await cli(
      ["check", "--repo", "octo/mono", "--ref", sha, "--project", "services/web", ...args],
      {
        cwd: tempDir(),
        env: { GITHUB_API_URL: gh.baseUrl, GITHUB_TOKEN: "ghs_mono" },
      },
    );
    expect(only.code).toBe(0);
    expect(json(only.stdout).projects?.map((p) => p.path)).toEqual(["services/web"]);
  });
});
