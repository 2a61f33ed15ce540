// The sweep (src/app/sweep.ts): the real App in-process against the GitHub stand-in (with ETags, as GitHub
// answers), on a real store. Every repository is listed on the dashboard; only those with a policy are
// evaluated, each head once; the budget per installation holds; nothing is written to GitHub.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { codeownersTeams, SWEEP_HOURLY_CEILING, sweepBudget, topicTeams } from "../../src/app/sweep.js";
import { SqlDashboard } from "../../src/store/dashboard.js";
import type { Store } from "../../src/store/store.js";
import { APP_ID, type InProcess, inProcessApp, KEYS } from "../reliability/support.js";
import { type Engine, storeEngines } from "../support/database.js";
import { GitHubStandIn } from "../support/github-stand-in.js";

const engines = await storeEngines("sweep");
const POLICY = "version: 1\nchecks:\n  readme:\n    required: true\n    file: { path: README.md }\n";
const sha = (n: number) => n.toString(16).padStart(40, "0");

describe("CODEOWNERS and topics name the teams", () => {
  it("takes the @org/team owners of the last catch-all rule, ignoring people, comments and other rules", () => {
    const text = [
      "# owners",
      "*       @octo/old",
      "*.js    @octo/web",
      "*       @octo/payments @alice  @octo/sre # on call",
      "/docs/  @octo/writers",
    ].join("\n");
    expect(codeownersTeams(text)).toEqual(["octo/payments", "octo/sre"]);
    expect(codeownersTeams("/src/ @octo/core\n")).toEqual([]);
    expect(codeownersTeams("* @octo/../admin @octo/ok\n")).toEqual(["octo/ok"]);
  });

  it("reads topics team-<slug> as owner/slug", () => {
    expect(topicTeams("octo", ["team-web", "frontend", "team-", "team-Bad"])).toEqual(["octo/web"]);
  });

  it("keeps every interval under the hourly ceiling", () => {
    expect(sweepBudget(250, 60)).toBe(250);
    expect(sweepBudget(5_000, 60)).toBe(SWEEP_HOURLY_CEILING);
    expect(sweepBudget(250, 5)).toBe(Math.floor(SWEEP_HOURLY_CEILING / 12));
  });
});

describe.each(engines.map((e) => [e.name, e] as const))("the sweep on %s", (_name, engine: Engine) => {
  let gh: GitHubStandIn;
  let store: Store;
  let drop: () => Promise<void>;
  const apps: InProcess[] = [];

  const app = async (budget?: number) => {
    const a = await inProcessApp(gh, {
      retries: "off",
      store,
      reconcileIntervalMinutes: null,
      ...(budget ? { sweepRequestBudget: budget } : {}),
    });
    apps.push(a);
    return a;
  };
  /** Requests the stand-in received with installation `id`'s tokens. */
  const sentBy = (id: number) =>
    gh.requests.filter(
      (r) =>
        gh.tokenInstallations.get(String(r.headers.authorization ?? "").replace(/^token\s+/i, "")) === id,
    );
  const dashboard = () => new SqlDashboard(store.sql);
  const list = async (readable: string[]) =>
    (await dashboard().listRepositories({ readable, perPage: 100 }, new Date())).items;

  beforeAll(async () => {
    await engine.warm();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [
        { id: 1, account: "octo" },
        { id: 2, account: "many" },
      ],
      etags: true,
    }).start();
  }, 180_000);
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.runtime.drain(1_000);
    await drop?.();
  });
  afterAll(async () => {
    await gh.stop();
    await engine.end();
  });

  it("evaluates each default branch with a policy once per head, lists the rest, writes nothing to GitHub", async () => {
    ({ store, drop } = await engine.open());
    const files = { ".readiness.yml": POLICY, "README.md": "# api\n" };
    gh.addRepo({
      owner: "octo",
      name: "api",
      installationId: 1,
      topics: ["team-ignored"],
      refs: { main: sha(1) },
      files: { [sha(1)]: { ...files, ".github/CODEOWNERS": "* @octo/payments @alice\n" } },
    });
    gh.addRepo({
      owner: "octo",
      name: "web",
      installationId: 1,
      defaultBranch: "trunk",
      topics: ["team-web", "frontend"],
      refs: { trunk: sha(2) },
      files: { [sha(2)]: { ".readiness.yml": POLICY } },
    });
    gh.addRepo({
      owner: "octo",
      name: "docs",
      installationId: 1,
      refs: { main: sha(3) },
      files: { [sha(3)]: { "README.md": "# docs\n" } },
    });
    const a = await app();
    const first = await a.runtime.sweepNow({ installationId: 1 });
    expect(first).toMatchObject({ repositories: 3, evaluated: 2, noPolicy: 1, unchanged: 0, deferred: 0 });
    expect(first!.errors).toEqual([]);
    // No check run, no comment, nothing written.
    expect(gh.writes()).toEqual([]);

    const readable = ["octo/api", "octo/web", "octo/docs"];
    const byName = new Map((await list(readable)).map((r) => [r.repository, r]));
    expect(byName.get("octo/api")).toMatchObject({
      installationId: 1,
      defaultBranch: "main",
      teams: ["octo/payments"],
      hasPolicy: true,
      latest: { targetKind: "branch", verdict: "go", sha: sha(1), checkRunUrl: null },
    });
    expect(byName.get("octo/web")).toMatchObject({
      teams: ["octo/web"],
      latest: { targetKind: "branch", verdict: "no-go", sha: sha(2) },
    });
    expect(byName.get("octo/web")!.latest!.blocking).toBe(1);
    expect(byName.get("octo/docs")).toMatchObject({ hasPolicy: false, latest: null });

    // Nothing moved: one conditional request per repository, answered 304, and no evaluation.
    const before = gh.requests.length;
    const second = await a.runtime.sweepNow({ installationId: 1 });
    expect(second).toMatchObject({ evaluated: 0, noPolicy: 0, unchanged: 3 });
    const heads = gh.requests.slice(before).filter((r) => /^\/repos\/octo\/\w+\/commits\//.test(r.path));
    expect(heads).toHaveLength(3);
    expect(heads.every((r) => r.headers["if-none-match"])).toBe(true);
    expect(await store.listVerdicts({ repository: "octo/api" })).toHaveLength(1);

    // api's default branch moves: only it is evaluated again.
    const api = gh.repo("octo", "api")!;
    api.files[sha(4)] = { ...files, CODEOWNERS: "* @octo/platform\n" };
    api.refs.main = sha(4);
    const third = await a.runtime.sweepNow({ installationId: 1 });
    expect(third).toMatchObject({ evaluated: 1, unchanged: 2 });
    const [latest] = await list(["octo/api"]);
    expect(latest).toMatchObject({ teams: ["octo/platform"], latest: { sha: sha(4) } });

    // GitHub's listing says nothing was pushed since: not one request per repository.
    for (const name of ["api", "web", "docs"]) gh.repo("octo", name)!.pushedAt = "2020-01-01T00:00:00Z";
    const quiet = gh.requests.length;
    expect(await a.runtime.sweepNow({ installationId: 1 })).toMatchObject({
      unchanged: 3,
      requests: { "1": 1 },
    });
    expect(gh.requests.slice(quiet).map((r) => r.path)).toEqual(["/installation/repositories"]);
  }, 120_000);

  it("keeps to the budget per installation, stalest first, and finishes over the next sweeps", async () => {
    ({ store, drop } = await engine.open());
    const names = Array.from({ length: 12 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    names.forEach((name, i) => {
      gh.addRepo({
        owner: "many",
        name,
        installationId: 2,
        refs: { main: sha(100 + i) },
        files: { [sha(100 + i)]: { ".readiness.yml": POLICY, "README.md": "# r\n" } },
      });
    });
    const budget = 100;
    const a = await app(budget);
    const readable = names.map((n) => `many/${n}`);
    const evaluated = async () => (await list(readable)).filter((r) => r.latest !== null).length;

    const start = sentBy(2).length;
    const first = await a.runtime.sweepNow({ installationId: 2 });
    expect(first!.repositories).toBe(12);
    expect(first!.requests["2"]).toBeLessThanOrEqual(budget);
    expect(sentBy(2).length - start).toBeLessThanOrEqual(budget);
    expect(first!.evaluated).toBeGreaterThan(0);
    expect(first!.deferred).toBe(12 - first!.evaluated);
    expect(first!.deferred).toBeGreaterThan(0);
    expect(await evaluated()).toBe(first!.evaluated);

    // The next sweep takes those left first (the others' heads cost one conditional request each).
    const mark = sentBy(2).length;
    const next = await a.runtime.sweepNow({ installationId: 2 });
    expect(next).toMatchObject({ repositories: 12, evaluated: first!.deferred, unchanged: first!.evaluated });
    expect(next!.requests["2"]).toBeLessThanOrEqual(budget);
    expect(sentBy(2).length - mark).toBeLessThanOrEqual(budget);
    expect(await evaluated()).toBe(12);
    for (const r of readable) expect(await store.listVerdicts({ repository: r })).toHaveLength(1);
    // Installation 1's repositories were not this sweep's.
    expect(await list(["octo/api"])).toEqual([]);
  }, 120_000);

  it.runIf(engine.name === "postgres")(
    "one replica sweeps at a time",
    async () => {
      ({ store, drop } = await engine.open());
      const [a, b] = [await app(), await app()];
      const [x, y] = await Promise.all([
        a.runtime.sweepNow({ installationId: 1 }),
        b.runtime.sweepNow({ installationId: 1 }),
      ]);
      expect([x, y].filter((s) => s === null)).toHaveLength(1);
      expect(await b.runtime.sweepNow({ installationId: 1 })).not.toBeNull();
    },
    60_000,
  );
});
