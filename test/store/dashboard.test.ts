// The dashboard's queries on both engines, over reports the engine made (test/checks/helpers.ts evaluateWorld):
// what a viewer sees on the list and on a repository's page, and never a repository they may not read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/engine/types.js";
import type { Target } from "../../src/evidence/types.js";
import type { PolicyInput } from "../../src/policy/schema.js";
import { DashboardInputError, MAX_READABLE, SqlDashboard } from "../../src/store/dashboard.js";
import { saveRepository } from "../../src/store/repositories.js";
import type { Store } from "../../src/store/store.js";
import { emptyLedger, evaluateWorld } from "../checks/helpers.js";
import { type Engine, storeEngines } from "../support/database.js";

const engines = await storeEngines("dashboard");

const NOW = new Date("2026-06-30T15:00:00Z");
const DAY = 86_400_000;
const at = (daysBefore: number, hour = 12) =>
  new Date(
    Date.parse(`${new Date(NOW.getTime() - daysBefore * DAY).toISOString().slice(0, 10)}T00:00:00Z`) +
      hour * 3_600_000,
  );
const sha = (n: number) => n.toString(16).padStart(40, "0");
const DRILL = ".readiness/attestations/drill.yml";

const policy: PolicyInput = {
  version: 1,
  categories: { docs: { weight: 1 }, security: { weight: 2 }, ops: { weight: 1 } },
  checks: {
    readme: { category: "docs", file: { path: "README.md" } },
    runbook: { category: "ops", required: true, file: { path: "docs/runbook.md" } },
    sbom: { category: "security", file: { path: "sbom.json" } },
    review: { category: "security", signoff: { users: ["alice", "bob"], maxAgeDays: 30 } },
    drill: { category: "ops", attestation: { path: DRILL, maxAgeDays: 90 } },
  },
  waivers: [
    {
      check: "sbom",
      reason: "SBOM tooling lands next sprint",
      expires: "2026-07-03",
      approvedBy: "carol",
    },
  ],
};

function target(repository: string, kind: "pr" | "branch", n = 1): Target {
  const [owner, name] = repository.split("/") as [string, string];
  const repo = { owner, name, defaultBranch: "main", htmlUrl: `https://github.com/${repository}` };
  return kind === "pr"
    ? {
        context: "pull_request",
        repository: repo,
        sha: sha(n),
        ref: "feature",
        pullRequest: { number: n, baseRef: "main", headRef: "feature", headSha: sha(n), labels: [] },
      }
    : {
        context: "deployment",
        repository: repo,
        sha: sha(n),
        ref: "main",
        deployment: { environment: "production" },
      };
}

/** A repository in good shape: every file, a recent sign-off by alice, a drill attested 10 days before `when`. */
function ready(repository: string, kind: "pr" | "branch", when: Date, n = 1): Report {
  const day = (d: number) => new Date(when.getTime() - d * DAY);
  return evaluateWorld(
    policy,
    {
      files: ["README.md", "docs/runbook.md"],
      reviewed: {
        [DRILL]: `statement: Incident drill held\nby: dave\ndate: ${day(10).toISOString().slice(0, 10)}\n`,
      },
      ledger: emptyLedger({
        pullRequests: [n],
        actors: { alice: { permission: "write", teams: [] } },
        commands: [
          {
            verb: "signoff",
            check: "review",
            actor: "alice",
            at: day(2).toISOString(),
            url: `https://github.com/${repository}/pull/${n}#issuecomment-1`,
            reason: "threat model reviewed",
          },
        ],
      }),
    },
    target(repository, kind, n),
    when,
  );
}

/** The runbook missing (required): NO-GO; the SBOM is there, so the waiver is unused. */
const broken = (repository: string, kind: "pr" | "branch", when: Date, n = 1): Report =>
  evaluateWorld(policy, { files: ["README.md", "sbom.json"] }, target(repository, kind, n), when);

describe.each(engines.map((e) => [e.name, e] as const))(
  "dashboard queries on %s",
  (_name, engine: Engine) => {
    let store: Store;
    let drop: () => Promise<void>;
    let dash: SqlDashboard;
    const ids: Record<string, number> = {};

    const record = async (
      repository: string,
      targetKind: "pull_request" | "branch",
      report: Report,
      extra: { number?: number; installationId?: number } = {},
    ) =>
      store.recordVerdict({
        repository,
        targetKind,
        ...(extra.number !== undefined ? { targetNumber: extra.number } : {}),
        sha: report.target.sha!,
        report,
        installationId: extra.installationId ?? 1,
        defaultBranch: "main",
      });

    beforeAll(async () => {
      await engine.warm();
      ({ store, drop } = await engine.open());
      dash = new SqlDashboard(store.sql);
      // acme/api: a year-old history of the default branch, GO; a newer pull request evaluation NO-GO.
      for (let d = 40; d >= 1; d--) await record("acme/api", "branch", ready("acme/api", "branch", at(d), d));
      // Two on the last day: the later one is the day's point.
      await record("acme/api", "branch", broken("acme/api", "branch", at(0, 8), 100));
      ids.apiLatest = await record("acme/api", "branch", ready("acme/api", "branch", at(0, 10), 101));
      ids.apiPr = await record("acme/api", "pull_request", broken("acme/api", "pr", at(0, 14), 7), {
        number: 7,
      });
      // acme/web: pull requests only (no sweep yet): the newest of any kind is shown; NO-GO.
      await record("acme/web", "pull_request", ready("acme/web", "pr", at(3), 3), { number: 3 });
      ids.webLatest = await record("acme/web", "pull_request", broken("acme/web", "pr", at(1), 4), {
        number: 4,
      });
      // acme/secret: evaluated, but no viewer here may read it.
      await record("acme/secret", "branch", broken("acme/secret", "branch", at(0)));
      // other/lib: listed by the sweep, never evaluated (no policy).
      await saveRepository(store.sql, {
        repository: "other/lib",
        repositoryId: 99,
        installationId: 2,
        owner: "other",
        defaultBranch: "trunk",
        teams: ["other/platform"],
        hasPolicy: false,
        sweptSha: sha(5),
        sweptAt: at(0),
      });
      await saveRepository(store.sql, {
        repository: "acme/api",
        repositoryId: 11,
        installationId: 1,
        owner: "acme",
        defaultBranch: "main",
        teams: ["acme/payments", "acme/sre"],
        hasPolicy: true,
        sweptSha: sha(101),
        sweptAt: at(0, 10),
      });
    }, 180_000);
    afterAll(async () => {
      await drop?.();
      await engine.end();
    });

    const readable = ["acme/api", "ACME/Web", "other/lib"];
    const names = (page: { items: { repository: string }[] }) => page.items.map((i) => i.repository);

    it("lists exactly the readable repositories the App knows, with the evaluation each shows", async () => {
      const page = await dash.listRepositories({ readable: [...readable, "ghost/none", "not a name"] }, NOW);
      expect(names(page)).toEqual(["acme/api", "acme/web", "other/lib"]);
      expect(page.total).toBe(3);
      const [api, web, lib] = page.items;
      // The default branch's newest, not the pull request evaluated after it.
      expect(api!.latest).toMatchObject({
        id: ids.apiLatest,
        targetKind: "branch",
        verdict: "go",
        blocking: 0,
      });
      expect(api).toMatchObject({
        repositoryId: 11,
        defaultBranch: "main",
        teams: ["acme/payments", "acme/sre"],
      });
      expect(api!.categories.map((c) => c.id).sort()).toEqual(["docs", "ops", "security"]);
      // No default-branch evaluation: the newest of any kind, with the checks that block it.
      expect(web!.latest).toMatchObject({ id: ids.webLatest, targetKind: "pull_request", verdict: "no-go" });
      expect(web!.latest!.blocking).toBeGreaterThan(0);
      expect(web).toMatchObject({ repositoryId: null, installationId: 1, hasPolicy: true });
      expect(lib).toMatchObject({
        latest: null,
        hasPolicy: false,
        categories: [],
        sparkline: [],
        defaultBranch: "trunk",
      });
    });

    it("never answers about a repository outside readable, whatever the filter", async () => {
      for (const filter of [
        { q: "secret" },
        { owner: "acme" },
        { verdict: "no-go" as const },
        { sort: "score" as const },
      ]) {
        const page = await dash.listRepositories({ readable, ...filter, perPage: 100 }, NOW);
        expect(names(page)).not.toContain("acme/secret");
      }
      expect(await dash.listRepositories({ readable: [] }, NOW)).toMatchObject({ items: [], total: 0 });
      // A long list (matched another way) answers the same.
      const many = [...readable, ...Array.from({ length: 150 }, (_, i) => `ghost/r${i}`)];
      const long = await dash.listRepositories({ readable: many, q: "acme" }, NOW);
      expect(names(long)).toEqual(["acme/api", "acme/web"]);
      expect(await dash.repository("acme/secret", { readable, now: NOW })).toBeNull();
      expect(
        await dash.repository("ghost/none", { readable: [...readable, "ghost/none"], now: NOW }),
      ).toBeNull();
      await expect(
        dash.listRepositories(
          { readable: Array.from({ length: MAX_READABLE + 1 }, (_, i) => `o/r${i}`) },
          NOW,
        ),
      ).rejects.toThrow(DashboardInputError);
    });

    it("filters by verdict, weak category, team, owner and name in the database", async () => {
      const list = (f: object) => dash.listRepositories({ readable, ...f }, NOW).then(names);
      expect(await list({ verdict: "go" })).toEqual(["acme/api"]);
      expect(await list({ verdict: "no-go" })).toEqual(["acme/web"]);
      // The runbook is missing on acme/web: its ops category is under 100.
      expect(await list({ category: "ops" })).toEqual(["acme/web"]);
      expect(await list({ team: "sre" })).toEqual(["acme/api"]);
      expect(await list({ team: "other/platform" })).toEqual(["other/lib"]);
      // As CODEOWNERS and the page write it.
      expect(await list({ team: "@other/platform" })).toEqual(["other/lib"]);
      expect(await list({ owner: "OTHER" })).toEqual(["other/lib"]);
      expect(await list({ q: "WE" })).toEqual(["acme/web"]);
      await expect(list({ verdict: "maybe" })).rejects.toThrow(DashboardInputError);
      await expect(list({ sort: "id; DROP TABLE verdicts" })).rejects.toThrow(DashboardInputError);
    });

    it("sorts (never-evaluated last either way) and pages, with the total", async () => {
      const list = (f: object) => dash.listRepositories({ readable, ...f }, NOW).then(names);
      expect(await list({ sort: "score", order: "desc" })).toEqual(["acme/api", "acme/web", "other/lib"]);
      expect(await list({ sort: "score", order: "asc" })).toEqual(["acme/web", "acme/api", "other/lib"]);
      expect(await list({ sort: "verdict" })).toEqual(["acme/web", "acme/api", "other/lib"]);
      // acme/api's shown evaluation is today's (10:00), acme/web's yesterday's.
      expect(await list({ sort: "evaluated", order: "desc" })).toEqual(["acme/api", "acme/web", "other/lib"]);
      expect(await list({ sort: "evaluated", order: "asc" })).toEqual(["acme/web", "acme/api", "other/lib"]);
      expect(await list({ sort: "blocking", order: "desc" })).toEqual(["acme/web", "acme/api", "other/lib"]);
      // acme/api's waiver (sbom, until 2026-07-03) expires within 7 days; acme/web's evaluation has none applied.
      const byExpiry = await dash.listRepositories({ readable, sort: "expiring", order: "desc" }, NOW);
      expect(byExpiry.items.map((i) => [i.repository, i.waiversExpiringSoon])).toEqual([
        ["acme/api", 1],
        ["acme/web", 0],
        ["other/lib", 0],
      ]);
      const later = await dash.listRepositories(
        { readable, sort: "expiring" },
        new Date("2026-07-10T00:00:00Z"),
      );
      expect(later.items.every((i) => i.waiversExpiringSoon === 0)).toBe(true);
      const p2 = await dash.listRepositories({ readable, perPage: 2, page: 2 }, NOW);
      expect(p2).toMatchObject({ total: 3, page: 2, perPage: 2 });
      expect(names(p2)).toEqual(["other/lib"]);
      expect(await dash.listRepositories({ readable, perPage: 2, page: 9 }, NOW)).toMatchObject({
        items: [],
        total: 3,
      });
      expect((await dash.listRepositories({ readable, perPage: 10_000 }, NOW)).perPage).toBe(100);
    });

    it("draws the sparkline from each day's last evaluation over 30 days", async () => {
      const [api] = (await dash.listRepositories({ readable: ["acme/api"] }, NOW)).items;
      const line = api!.sparkline;
      expect(line.length).toBe(30);
      expect(line[0]!.day).toBe(at(29).toISOString().slice(0, 10));
      expect(line.at(-2)).toEqual({ day: "2026-06-29", score: 100 });
      // The pull request at 14:00 is the day's last of any kind: its NO-GO score, not the branch's at 10:00.
      expect(line.at(-1)!.day).toBe("2026-06-30");
      expect(line.at(-1)!.score).toBeLessThan(api!.latest!.score);
      const day = (await dash.repository("acme/api", { readable, now: NOW }))!.series.at(-1)!;
      expect(day.score).toBe(line.at(-1)!.score);
    });

    it("shows a repository: series per category, timeline with links, waivers, sign-offs, failing checks", async () => {
      await store.linkCheckRun(ids.apiPr!, "https://github.com/acme/api/runs/555");
      const d = (await dash.repository("ACME/api", { readable, now: NOW, days: 7 }))!;
      expect(d.summary.repository).toBe("acme/api");
      expect(d.series.length).toBe(7);
      expect(Object.keys(d.series[0]!.categories).sort()).toEqual(["docs", "ops", "security"]);
      expect(d.timeline[0]).toMatchObject({
        id: ids.apiPr,
        targetKind: "pull_request",
        targetNumber: 7,
        checkRunUrl: "https://github.com/acme/api/runs/555",
      });
      const next = (await dash.repository("acme/api", {
        readable,
        now: NOW,
        before: d.timeline[1]!.id,
        limit: 2,
      }))!;
      expect(next.timeline.map((p) => p.id)).toEqual([d.timeline[2]!.id, d.timeline[3]!.id]);
      expect(d.waivers).toEqual([
        {
          check: "sbom",
          source: "policy",
          reason: "SBOM tooling lands next sprint",
          approvedBy: "carol",
          expires: "2026-07-03",
          url: null,
        },
      ]);
      // From the newest evaluation that counted any: the branch at 10:00 (the later pull request counted none).
      expect(d.signOffs).toEqual([
        {
          check: "review",
          by: "alice",
          at: "2026-06-28",
          until: "2026-07-28T10:00:00Z",
          url: "https://github.com/acme/api/pull/101#issuecomment-1",
        },
        { check: "drill", by: "dave", at: "2026-06-20", until: "2026-09-18", url: null },
      ]);
      // Over 7 days: the runbook failed twice (08:00 branch, 14:00 pull request) of 9 evaluations.
      expect(d.failingChecks.find((c) => c.check === "runbook")).toEqual({
        check: "runbook",
        category: "ops",
        failures: 2,
        evaluations: 9,
      });
      expect(d.failingChecks[0]!.failures).toBeGreaterThanOrEqual(d.failingChecks.at(-1)!.failures);
    });
  },
);
