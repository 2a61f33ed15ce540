// Attacks a fresh-eyes tester made on the features of the second round (monorepo projects, team names,
// retargeting with a one-write first run), kept as the regression tests of their fixes (docs/security.md §8).
// Each fails on the code before its fix.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn, type PullRequestSeed } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";

const APP_ID = 9191;
const SECRET = `eyes-${randomUUID()}`;
const OWNER = "octo";
const { privateKey, publicKey } = APP_KEYS;

const ROOT_POLICY = `version: 1
applies:
  pullRequests: { branches: [main] }
projects: ["services/*"]
checks:
  readme:
    required: true
    file: { path: README.md }
`;
const PROJECT_POLICY = `version: 1
checks:
  runbook:
    required: true
    file: { path: RUNBOOK.md }
`;
const MAIN = {
  ".readiness.yml": ROOT_POLICY,
  "README.md": "# mono\n",
  "services/api/.readiness.yml": PROJECT_POLICY,
  "services/api/main.ts": "export const api = 1;\n",
};

function prPayload(name: string, id: number, seed: PullRequestSeed) {
  const payload = example("pull_request", "opened", 1);
  payload.repository = repositoryPayload(OWNER, name, id);
  payload.number = seed.number;
  Object.assign(payload.pull_request, { number: seed.number, labels: [], state: "open" });
  payload.pull_request.base.ref = seed.base;
  payload.pull_request.head.ref = seed.head;
  payload.pull_request.head.sha = seed.headSha;
  return { ...payload, installation: { id: 1 } };
}

const sha = () => randomUUID().replace(/-/g, "").padEnd(40, "0").slice(0, 40);

describe("new features under attack (fresh eyes, round 3)", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  let forbid: RegExp | null = null;
  const forbidMessage = "Forbidden";
  let probes = 0;
  let nextId = 900;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    gh.use((req) => {
      if (
        req.method === "GET" &&
        /\/contents\/services\/p\d+\/\.readiness\.yml$/.test(decodeURIComponent(req.path))
      )
        probes++;
      if (forbid && req.method === "GET" && forbid.test(decodeURIComponent(req.path)))
        return {
          status: 403,
          body: {
            message: forbidMessage,
          },
        };
      return undefined;
    });
    server = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: APP_ID,
      privateKey,
      env: { LOG_LEVEL: process.env.SERVER_LOG ?? "info" },
    });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  async function judgeMono(head: Record<string, string>) {
    const id = nextId++;
    const name = `mono-${id}`;
    const headSha = sha();
    const seed = { number: 1, base: "main", head: "feature", headSha };
    gh.addRepo({ owner: OWNER, name, id, files: { main: MAIN, [headSha]: head }, pulls: [seed] });
    const res = await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, seed));
    expect(res.status).toBe(200);
    return until(
      `a completed run on ${name}`,
      () => gh.checkRuns.find((r) => r.head_sha === headSha && r.status === "completed"),
      240_000,
    );
  }

  it("control: a PR touching services/api (no RUNBOOK.md) is NO-GO", async () => {
    const run = await judgeMono({ ...MAIN, "services/api/main.ts": "export const api = 2;\n" });
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toContain("not ready: services/api");
  });

  it("a 403 (not a rate limit) reading a project's policy fails closed, never a GO without the project", async () => {
    forbid = /\/contents\/services\/api\/\.readiness\.yml$/;
    try {
      const run = await judgeMono({ ...MAIN, "services/api/main.ts": "export const api = 3;\n" });
      // What should happen: the gate cannot tell whether services/api is a project: could not evaluate / NO-GO.
      if (process.env.DEBUG_ATTACKS)
        console.log(
          "403 run:",
          run.conclusion,
          run.output.title,
          run.output.summary?.match(/services\/api.*$/gm),
        );
      expect(run.conclusion).not.toBe("success");
    } finally {
      forbid = null;
    }
  });

  it("a fork PR adding files in 2,900 new directories matching services/* fails closed without a request per directory", async () => {
    const head: Record<string, string> = { ...MAIN };
    const added: string[] = [];
    for (let i = 0; i < 2900; i++) {
      head[`services/p${i}/x.ts`] = `${i}\n`;
      added.push(`services/p${i}/x.ts`);
    }
    // GitHub pages this list with Link headers (the stand-in sends one page only).
    gh.route("GET", "/repos/:owner/:repo/pulls/:number/files", (req) => {
      const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
      const items = added
        .slice((page - 1) * 100, page * 100)
        .map((filename) => ({ filename, status: "added" }));
      const last = Math.ceil(added.length / 100);
      const base = `${gh.baseUrl}${req.path}?per_page=100`;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (page < last)
        headers.link = `<${base}&page=${page + 1}>; rel="next", <${base}&page=${last}>; rel="last"`;
      return { status: 200, body: items, headers };
    });
    probes = 0;
    const t0 = Date.now();
    const run = await judgeMono(head);
    if (process.env.DEBUG_ATTACKS)
      console.log("dirs probed:", probes, "ms:", Date.now() - t0, run.conclusion, run.output.title);
    expect(probes).toBeLessThan(100);
    expect(run.conclusion).not.toBe("success");
  }, 300_000);

  it("a team written 'octo/..' is refused by validation: the App never asks for the organisation's members", async () => {
    const seen: string[] = [];
    gh.use((req) => {
      if (/^\/orgs\//.test(req.path) || /^\/teams\//.test(req.path)) seen.push(req.path);
      return undefined;
    });
    gh.route("GET", "/orgs/:org/members", (req) =>
      req.params.org === OWNER
        ? { status: 200, body: [{ login: "carol" }] }
        : { status: 404, body: { message: "Not Found" } },
    );
    const id = nextId++;
    const name = `dots-${id}`;
    const head = sha();
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      files: {
        main: { "README.md": "x\n" },
        "probe-dots": {
          ".readiness.yml": `version: 1
applies: { pullRequests: { branches: ["probe-*"] } }
gate: { minScore: 0 }
checks:
  who:
    attestation: { path: att.yml, by: ["octo/.."] }
`,
          "att.yml": "statement: probing\nby: carol\ndate: 2026-12-01\n",
        },
        [head]: { "x.txt": "1\n" },
      },
      refs: { main: "f".repeat(40), "probe-dots": "4".repeat(40) },
      pulls: [],
    });
    const seed: PullRequestSeed = { number: 1, base: "probe-dots", head: "h", headSha: head };
    gh.repos.get(`${OWNER}/${name}`)!.pulls.push(seed);
    await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, seed));
    const run = await until("run", () =>
      gh.checkRuns.find((r) => r.head_sha === head && r.status === "completed"),
    );
    const line = (run.output.summary ?? "").split("\n").find((l) => /attest|belongs/.test(l)) ?? "";
    if (process.env.DEBUG_ATTACKS) console.log("paths requested:", seen, "->", run.conclusion, "|", line);
    expect(seen).not.toContain("/orgs/octo/members");
    expect(run.conclusion).not.toBe("success");
  });

  it("a fork PR of 800 files with 3,000-character paths does not block the event loop", async () => {
    const deep: string[] = [];
    for (let i = 0; i < 800; i++) deep.push(`d${i}/${"a/".repeat(1499)}f`);
    gh.route("GET", "/repos/:owner/:repo/pulls/:number/files", (req) => {
      const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
      const items = deep
        .slice((page - 1) * 100, page * 100)
        .map((filename) => ({ filename, status: "added" }));
      const last = Math.ceil(deep.length / 100);
      const base = `${gh.baseUrl}${req.path}?per_page=100`;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (page < last)
        headers.link = `<${base}&page=${page + 1}>; rel="next", <${base}&page=${last}>; rel="last"`;
      return { status: 200, body: items, headers };
    });
    let slowest = 0;
    let failures = 0;
    let stop = false;
    const probe = (async () => {
      while (!stop) {
        const t = Date.now();
        try {
          await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(120_000) });
        } catch {
          failures++;
        }
        slowest = Math.max(slowest, Date.now() - t);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const head: Record<string, string> = { ...MAIN, "x.ts": "1\n" };
    const t0 = Date.now();
    const run = await judgeMono(head);
    stop = true;
    await probe;
    if (process.env.DEBUG_ATTACKS)
      console.log(
        "deep paths: run",
        run.conclusion,
        run.output.title,
        "ms",
        Date.now() - t0,
        "slowest /healthz",
        slowest,
        "failures",
        failures,
      );
    expect(slowest).toBeLessThan(1000);
  }, 300_000);

  /**
   * Retargets the PR from `nopolicy` into main while GitHub is slow (requests about the repository take 5 s)
   * and returns the states its latest run went through until main's verdict.
   */
  async function retargetIntoMainWhileSlow(
    name: string,
    id: number,
    seed: PullRequestSeed,
    head: string,
  ): Promise<string[]> {
    const latest = () => gh.checkRuns.filter((r) => r.head_sha === head).at(-1);
    let slowUntil = Date.now() + 60_000;
    gh.use(async (req) => {
      if (
        Date.now() < slowUntil &&
        req.path.includes(`/repos/${OWNER}/${name}/`) &&
        !req.path.includes("check-runs") &&
        req.method === "GET" &&
        !req.path.includes("/pulls")
      )
        await new Promise((r) => setTimeout(r, 5000));
      return undefined;
    });
    seed.base = "main";
    await sendWebhook(server.url, SECRET, "pull_request", {
      ...prPayload(name, id, seed),
      action: "edited",
      changes: { base: { ref: { from: "nopolicy" }, sha: { from: "7".repeat(40) } } },
    });
    const seen: string[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 40_000) {
      const l = latest()!;
      const s = `${l.status}/${l.conclusion}/${l.output?.title}`;
      if (seen.at(-1) !== s) seen.push(s);
      if (l.conclusion === "failure") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    slowUntil = 0;
    if (process.env.DEBUG_ATTACKS)
      console.log("while PR into main is evaluated, latest run:", seen, "after", Date.now() - t0, "ms");
    return seen;
  }

  it("retargeted back into main after 'Not gated': the neutral run is replaced by 'Evaluating…' before main's verdict", async () => {
    const id = nextId++;
    const name = `retarget-${id}`;
    const head = sha();
    const strict = `version: 1
applies: { pullRequests: { branches: [main] } }
checks:
  readme: { required: true, file: { path: README.md } }
`;
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      files: { main: { ".readiness.yml": strict }, nopolicy: {}, [head]: { "x.ts": "1\n" } },
      refs: { main: "f".repeat(40), nopolicy: "7".repeat(40) },
      pulls: [],
    });
    const seed: PullRequestSeed = { number: 1, base: "main", head: "h", headSha: head };
    gh.repos.get(`${OWNER}/${name}`)!.pulls.push(seed);
    const latest = () => gh.checkRuns.filter((r) => r.head_sha === head).at(-1);
    await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, seed));
    await until("NO-GO", () => (latest()?.conclusion === "failure" ? latest() : undefined));
    // Retarget to a branch without a policy: "Not gated" (neutral) replaces the NO-GO.
    seed.base = "nopolicy";
    await sendWebhook(server.url, SECRET, "pull_request", {
      ...prPayload(name, id, seed),
      action: "edited",
      changes: { base: { ref: { from: "main" }, sha: { from: "f".repeat(40) } } },
    });
    await until("Not gated", () => (latest()?.conclusion === "neutral" ? latest() : undefined));
    if (process.env.DEBUG_ATTACKS)
      console.log("after retarget away:", latest()?.conclusion, latest()?.output.title);
    const seen = await retargetIntoMainWhileSlow(name, id, seed, head);
    // The neutral "Not gated" is replaced by "Evaluating…" before main's verdict, not left standing.
    expect(seen.some((s) => s.startsWith("in_progress"))).toBe(true);
    expect(seen.at(-1)).toMatch(/^completed\/failure/);
  }, 120_000);
  it("a PR from a writer's lenient branch retargeted into main: its GO is replaced by 'Evaluating…' before main's verdict", async () => {
    const id = nextId++;
    const name = `retarget-${id}`;
    const head = sha();
    const strict = `version: 1
applies: { pullRequests: { branches: [main] } }
checks:
  readme: { required: true, file: { path: README.md } }
`;
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      files: {
        main: { ".readiness.yml": strict },
        nopolicy: {
          ".readiness.yml":
            "version: 1\napplies: { pullRequests: { branches: [nopolicy] } }\ngate: { minScore: 0 }\nchecks:\n  x: { file: { path: x.ts } }\n",
        },
        [head]: { "x.ts": "1\n" },
      },
      refs: { main: "f".repeat(40), nopolicy: "7".repeat(40) },
      pulls: [],
    });
    const seed: PullRequestSeed = { number: 1, base: "nopolicy", head: "h", headSha: head };
    gh.repos.get(`${OWNER}/${name}`)!.pulls.push(seed);
    const latest = () => gh.checkRuns.filter((r) => r.head_sha === head).at(-1);
    await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, seed));
    await until("GO", () => (latest()?.conclusion === "success" ? latest() : undefined));
    if (process.env.DEBUG_ATTACKS)
      console.log("into the lenient branch:", latest()?.conclusion, latest()?.output.title);
    const seen = await retargetIntoMainWhileSlow(name, id, seed, head);
    // The lenient branch's GO is replaced by "Evaluating…" before main's verdict, not left standing.
    expect(seen.some((s) => s.startsWith("in_progress"))).toBe(true);
    expect(seen.at(-1)).toMatch(/^completed\/failure/);
  }, 120_000);

  it("a writer's PR from main's head into a branch of their own does not set the 'vs main' delta of PRs into main", async () => {
    const id = nextId++;
    const name = `delta-${id}`;
    const MAIN_HEAD = "f".repeat(40);
    const honestHead = sha();
    // main: a flat policy; main's head is a merge commit without a run of ours (no delta shown).
    const flat = `version: 1
applies: { pullRequests: { branches: [main, "**"] } }
gate: { minScore: 50 }
checks:
  readme: { file: { path: README.md } }
  changelog: { file: { path: CHANGELOG.md } }
`;
    const lenient = `version: 1
applies: { pullRequests: { branches: ["**"] } }
gate: { minScore: 0 }
checks:
  nothing-here: { file: { path: NOT-THERE.md } }
`;
    const mainFiles = { ".readiness.yml": flat, "README.md": "# r\n" };
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      files: {
        main: mainFiles,
        [MAIN_HEAD]: mainFiles,
        mine: { ".readiness.yml": lenient },
        [honestHead]: { ...mainFiles, "CHANGELOG.md": "## 1\n", "src/x.ts": "1\n" },
      },
      refs: { main: MAIN_HEAD, mine: "9".repeat(40) },
      pulls: [],
    });
    const pulls = gh.repos.get(`${OWNER}/${name}`)!.pulls;
    // 1. An honest PR into main first: no run on main's head, so no delta.
    const honest: PullRequestSeed = { number: 1, base: "main", head: "feature", headSha: honestHead };
    pulls.push(honest);
    await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, honest));
    const first = await until("honest run", () =>
      gh.checkRuns.find((r) => r.head_sha === honestHead && r.status === "completed"),
    );
    if (process.env.DEBUG_ATTACKS) console.log("honest, before:", first.output.title);
    expect(first.output.title).not.toContain("vs main");
    // 2. The writer: branch `snap` at main's head, PR snap → mine (their own branch, their own policy).
    const attack: PullRequestSeed = { number: 2, base: "mine", head: "snap", headSha: MAIN_HEAD };
    pulls.push(attack);
    await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, attack));
    const planted = await until("run on main's head", () =>
      gh.checkRuns.find((r) => r.head_sha === MAIN_HEAD && r.status === "completed"),
    );
    if (process.env.DEBUG_ATTACKS) console.log("planted on main's head:", planted.name, planted.output.title);
    // 3. The honest PR is evaluated again (any push, label, recheck): its title now compares with the writer's run.
    const runsBefore = gh.checkRuns.length;
    await sendWebhook(server.url, SECRET, "pull_request", {
      ...prPayload(name, id, honest),
      action: "labeled",
      label: { name: "x" },
    });
    await new Promise((r) => setTimeout(r, 4000));
    const comment = gh.comments.filter((c) => c.issue === 1).at(-1)?.body ?? "";
    const latest = gh.checkRuns.filter((r) => r.head_sha === honestHead).at(-1)!;
    if (process.env.DEBUG_ATTACKS)
      console.log("honest, after:", latest.output.title, "runs", runsBefore, gh.checkRuns.length);
    if (process.env.DEBUG_ATTACKS) console.log("comment:", comment.slice(0, 600));
    // main's own policy gives main's head 50 (README yes, CHANGELOG no); the delta shown should be +50 or none.
    expect(latest.output.title).not.toMatch(/\+100(\.0)? vs main/);
    expect(latest.output.title).not.toContain("vs main");
  });

  it("a writer's own branch policy cannot make the App an oracle for a secret team's membership", async () => {
    const asked: string[] = [];
    gh.use((req) => {
      if (req.path.startsWith("/orgs/")) asked.push(req.path);
      return undefined;
    });
    gh.route("GET", "/orgs/:org/teams/:team/members", (req) =>
      req.params.org === OWNER && req.params.team === "secret-team"
        ? { status: 200, body: [{ login: "alice" }] }
        : { status: 404, body: { message: "Not Found" } },
    );
    const id = nextId++;
    const name = `oracle-${id}`;
    const probe = (who: string, team = "octo/secret-team") => ({
      ".readiness.yml": `version: 1
applies: { pullRequests: { branches: ["probe-*"] } }
gate: { minScore: 0 }
checks:
  who:
    attestation: { path: att.yml, by: [${team}] }
`,
      "att.yml": `statement: probing\nby: ${who}\ndate: 2026-12-01\n`,
    });
    const heads = [sha(), sha(), sha()];
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      files: {
        main: { "README.md": "x\n" },
        "probe-alice": probe("alice"),
        "probe-bob": probe("bob"),
        "probe-ghost": probe("alice", "octo/does-not-exist"),
        [heads[0]!]: { "x.txt": "1\n" },
        [heads[1]!]: { "x.txt": "2\n" },
        [heads[2]!]: { "x.txt": "3\n" },
      },
      refs: {
        main: "f".repeat(40),
        "probe-alice": "1".repeat(40),
        "probe-bob": "2".repeat(40),
        "probe-ghost": "3".repeat(40),
      },
      pulls: [],
    });
    const pulls = gh.repos.get(`${OWNER}/${name}`)!.pulls;
    const out: string[] = [];
    for (const [i, base] of ["probe-alice", "probe-bob", "probe-ghost"].entries()) {
      const seed: PullRequestSeed = { number: i + 1, base, head: `h${i}`, headSha: heads[i]! };
      pulls.push(seed);
      await sendWebhook(server.url, SECRET, "pull_request", prPayload(name, id, seed));
      const run = await until(`run ${base}`, () =>
        gh.checkRuns.find((r) => r.head_sha === heads[i] && r.status === "completed"),
      );
      const line = (run.output.summary ?? "").split("\n").find((l) => /attest|belongs/.test(l)) ?? "";
      if (process.env.DEBUG_ATTACKS) console.log(base, "->", run.conclusion, run.output.title, "|", line);
      out.push(`${run.conclusion}`);
    }
    // A team the default branch's policy does not name admits no one, and its members are never asked for:
    // alice (a member) and bob (not) get the same answer.
    expect(out[0]).toEqual(out[1]);
    expect(asked.filter((p) => p.includes("/teams/"))).toEqual([]);
  });
});
