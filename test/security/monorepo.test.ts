// Monorepo projects end to end (issue 9): the built server, the GitHub stand-in and signed webhooks. The root
// policy on the base branch declares the projects; each project's policy is read from the base too, so a pull
// request that deletes a project's policy, moves files out of it or drops `projects` from the root policy is
// still judged by them. A repository without `projects` pays no request for any of this.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";

const APP_ID = 4545;
const SECRET = `mono-${randomUUID()}`;
const OWNER = "octo";
const { privateKey, publicKey } = APP_KEYS;

const ROOT_POLICY = `version: 1
applies:
  pullRequests: { branches: [main] }
projects: ["services/*", libs/auth]
checks:
  readme:
    required: true
    file: { path: README.md }
`;
/** A project's policy: file paths are relative to its directory. */
const PROJECT_POLICY = `version: 1
gate: { minScore: 80 }
categories:
  operations: { title: Operations }
checks:
  runbook:
    category: operations
    required: true
    fix: Write the service's runbook.
    file: { path: RUNBOOK.md }
  readme:
    category: operations
    file: { path: README.md }
`;
const MAIN = {
  ".readiness.yml": ROOT_POLICY,
  "README.md": "# mono\n",
  LICENSE: "MIT\n",
  "docs/guide.md": "guide\n",
  "services/api/.readiness.yml": PROJECT_POLICY,
  "services/api/main.ts": "export const api = 1;\n",
  "services/web/.readiness.yml": PROJECT_POLICY,
  "services/web/RUNBOOK.md": "# web runbook\n",
  "services/web/README.md": "# web\n",
  "services/web/main.ts": "export const web = 1;\n",
  // Matches services/* but holds no policy: not a project.
  "services/tools/x.ts": "export {};\n",
  "libs/auth/.readiness.yml": `version: 1
checks:
  tests:
    required: true
    file: { path: test/auth.test.ts }
`,
  "libs/auth/auth.ts": "export {};\n",
};

function pullRequest(name: string, id: number, number: number, headSha: string) {
  const payload = example("pull_request", "opened", 1);
  payload.repository = repositoryPayload(OWNER, name, id);
  payload.number = number;
  Object.assign(payload.pull_request, { number, labels: [] });
  payload.pull_request.base.ref = "main";
  payload.pull_request.head.sha = headSha;
  return payload;
}

describe("monorepo: a policy per project, judged from the base branch", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  let nextId = 800;
  let nextPr = 1;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    server = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  /** A repository whose main holds `main`, and one PR whose head holds `head`; its completed run. */
  async function judge(head: Record<string, string>, main: Record<string, string> = MAIN) {
    const id = nextId++;
    const number = nextPr++;
    const name = `mono-${id}`;
    const sha = randomUUID().replace(/-/g, "").padEnd(40, "0").slice(0, 40);
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      files: { main, [sha]: head },
      pulls: [{ number, base: "main", head: "feature", headSha: sha }],
    });
    const res = await sendWebhook(server.url, SECRET, "pull_request", pullRequest(name, id, number, sha));
    expect(res.status).toBe(200);
    const run = await until(`a completed run on ${name}`, () =>
      gh.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
    );
    return { run, name, number };
  }

  it("a PR touching no project is judged by the root policy alone (GO)", async () => {
    const { run } = await judge({ ...MAIN, "docs/guide.md": "guide, edited\n" });
    expect(run.conclusion).toBe("success");
    expect(run.name).toBe("Production readiness");
    expect(run.output.summary).toContain("No project is touched");
  });

  it("a PR touching a ready project: one run, a row for the project, GO", async () => {
    const { run } = await judge({ ...MAIN, "services/web/main.ts": "export const web = 2;\n" });
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toMatch(
      /\| `services\/web` \| GO \| 100 \/ 80 \| `services\/web\/.readiness.yml` \|/,
    );
    expect(run.output.summary).not.toContain("services/api");
  });

  it("a PR touching a project whose required check fails: NO-GO although the root passes, the project named", async () => {
    const { run } = await judge({ ...MAIN, "services/api/main.ts": "export const api = 2;\n" });
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toContain("not ready: services/api");
    expect(run.output.summary).toContain("services/api/RUNBOOK.md");
    expect(run.output.summary).toContain("Write the service's runbook.");
    expect(run.output.summary).toMatch(/\| `services\/api` \| NO-GO \|/);
  });

  it("two projects touched: each judged, the most restrictive verdict wins", async () => {
    const { run, name, number } = await judge({
      ...MAIN,
      "services/api/main.ts": "export const api = 3;\n",
      "services/web/main.ts": "export const web = 3;\n",
    });
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| `services\/api` \| NO-GO \|/);
    expect(run.output.summary).toMatch(/\| `services\/web` \| GO \|/);
    // What projects cost: one page of changed files, each touched project's policy once, from the base.
    const asked = gh.requests.filter((r) => r.path.startsWith(`/repos/${OWNER}/${name}/`));
    expect(asked.filter((r) => r.path.endsWith(`/pulls/${number}/files`))).toHaveLength(1);
    const policies = asked
      .map((r) => [decodeURIComponent(r.path.split("/contents/")[1] ?? ""), r.query.get("ref")])
      .filter(([path]) => /^services\/[^/]+\/\.readiness\.yml$/.test(path ?? ""));
    expect(policies).toEqual([
      ["services/api/.readiness.yml", "main"],
      ["services/web/.readiness.yml", "main"],
    ]);
  });

  it("attacker: deleting the project's policy in the PR changes nothing, the base's still judges (NO-GO)", async () => {
    const { "services/api/.readiness.yml": _dropped, ...rest } = MAIN;
    const { run } = await judge({ ...rest, "services/api/main.ts": "export const api = 4;\n" });
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| `services\/api` \| NO-GO \|/);
  });

  it("attacker: loosening the project's policy in the PR changes nothing (NO-GO)", async () => {
    const { run } = await judge({
      ...MAIN,
      "services/api/.readiness.yml": "version: 1\ngate: { minScore: 0 }\nchecks: {}\n",
      "services/api/main.ts": "export const api = 5;\n",
    });
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("services/api/RUNBOOK.md");
  });

  it("a PR that breaks a project's policy: NO-GO naming the error, though the base's policy passes", async () => {
    const { run } = await judge({
      ...MAIN,
      "services/web/.readiness.yml": "version: 1\ngate: { minScore: 101 }\n",
      "services/web/main.ts": "export const web = 9;\n",
    });
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain(
      "services/web/.readiness.yml as changed in this pull request is not a valid policy",
    );
    expect(run.output.summary).toContain("gate.minScore");
    // The base's policy still judged the project: it passes.
    expect(run.output.summary).toMatch(/\| `services\/web` \| GO \|/);
  });

  it("attacker: moving a project's file out of it still touches the project (the rename's old path counts)", async () => {
    const { "services/api/main.ts": moved, ...rest } = MAIN;
    const { run, name, number } = await judge({ ...rest, "scripts/main.ts": moved });
    expect(gh.requests.some((r) => r.path === `/repos/${OWNER}/${name}/pulls/${number}/files`)).toBe(true);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| `services\/api` \| NO-GO \|/);
  });

  it("attacker: dropping `projects` from the root policy in the PR changes nothing (the base's decides)", async () => {
    const { run } = await judge({
      ...MAIN,
      ".readiness.yml": ROOT_POLICY.replace(/^projects:.*\n/m, ""),
      "services/api/main.ts": "export const api = 6;\n",
    });
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/\| `services\/api` \| NO-GO \|/);
  });

  it("a project named literally whose policy is missing on the base fails closed", async () => {
    const { "libs/auth/.readiness.yml": _gone, ...main } = MAIN;
    const { run } = await judge({ ...main, "libs/auth/auth.ts": "export const a = 1;\n" }, main);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("libs/auth/.readiness.yml does not exist");
  });

  it("a directory matching a glob without a policy is no project; a new project in the PR is not one yet", async () => {
    const { run } = await judge({
      ...MAIN,
      "services/tools/x.ts": "export const x = 1;\n",
      "services/new/.readiness.yml": "version: 1\n",
      "services/new/main.ts": "export {};\n",
    });
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain("No project is touched");
  });

  it("a PR listing 3,000 files or more fails closed: the gate cannot tell which projects it touches", async () => {
    const id = nextId;
    gh.route("GET", `/repos/${OWNER}/mono-${id}/pulls/:number/files`, (req) => {
      const page = Number(req.query.get("page") ?? 1);
      const files = Array.from({ length: 100 }, (_, i) => ({
        filename: `gen/${page}-${i}.txt`,
        status: "added",
      }));
      const headers: Record<string, string> = {};
      if (page < 40)
        headers.link = `<${gh.baseUrl}/repos/${OWNER}/mono-${id}/pulls/${req.params.number}/files?per_page=100&page=${page + 1}>; rel="next"`;
      return { status: 200, body: files, headers };
    });
    const { run } = await judge({ ...MAIN, "docs/guide.md": "big\n" });
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("Could not evaluate");
    expect(run.output.summary).toContain("3,000 files or more");
  });

  it("a repository without `projects` makes no request for them", async () => {
    const plain = ROOT_POLICY.replace(/^projects:.*\n/m, "");
    const { run, name, number } = await judge(
      { ...MAIN, ".readiness.yml": plain, "services/api/main.ts": "export const api = 7;\n" },
      { ...MAIN, ".readiness.yml": plain },
    );
    expect(run.conclusion).toBe("success");
    const asked = gh.requests.filter((r) => r.path.startsWith(`/repos/${OWNER}/${name}/`)).map((r) => r.path);
    expect(asked).not.toContain(`/repos/${OWNER}/${name}/pulls/${number}/files`);
    expect(asked.some((p) => p.includes("services/"))).toBe(false);
  });
});
