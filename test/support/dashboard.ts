// The dashboard end to end: a GitHub stand-in with people who sign in, a store seeded with a month and more
// of verdicts (written through the Store's own recordVerdict), and the built server on it with sign-in on.
// Used by the access tests, the browser test and scripts/dashboard-screenshots.ts.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Report } from "../../src/engine/types.js";
import { saveRepository } from "../../src/store/repositories.js";
import { Store } from "../../src/store/store.js";
import { check, report } from "../report/fixtures.js";
import { freePort, type Spawned, spawnBuiltServer } from "./build.js";
import { GitHubStandIn } from "./github-stand-in.js";
import { APP_KEYS } from "./payloads.js";

export const DASHBOARD_APP_ID = 5151;
export const OAUTH = { clientId: "Iv1.dashboardtest", clientSecret: "dashboard-test-client-secret" };
export const SESSION_SECRET = "a-session-secret-for-tests-only-0123456789";
/** Read-only API tokens (DASHBOARD_API_TOKENS): one for the App's installation 1, one for installation 2. */
export const API_TOKENS = {
  octo: "rg_api_octo_0123456789abcdefghijklmnop",
  elsewhere: "rg_api_elsewhere_0123456789abcdefghij",
};
const WEBHOOK_SECRET = "dashboard-webhooks";

/** The organisation's repositories, as seeded: name → teams, and the shape of its history. */
export const REPOSITORIES: {
  name: string;
  teams: string[];
  base: number;
  trend: number;
  failing: string[];
}[] = [
  { name: "payments", teams: ["octo/payments"], base: 88, trend: 0.2, failing: [] },
  { name: "api", teams: ["octo/platform"], base: 70, trend: -0.3, failing: ["runbook", "alerts"] },
  { name: "web", teams: ["octo/frontend"], base: 83, trend: 0.1, failing: ["sbom"] },
  { name: "search", teams: ["octo/platform"], base: 95, trend: 0, failing: [] },
  { name: "billing", teams: ["octo/payments"], base: 62, trend: 0.5, failing: ["runbook", "signoff"] },
  { name: "identity", teams: ["octo/security"], base: 79, trend: 0.1, failing: ["alerts"] },
];

/** Who signs in: a member reads every repository, an outside collaborator one, a non-member none. */
export const PEOPLE = {
  member: { login: "alice", repositories: REPOSITORIES.map((r) => `octo/${r.name}`) },
  collaborator: { login: "carol", repositories: ["octo/web"] },
  nonMember: { login: "dave", repositories: [] as string[] },
  /** Reads a repository of another App's installation only. */
  otherApp: { login: "erin", repositories: ["elsewhere/tool"] },
};

const CHECKS = [
  { id: "runbook", category: "operations", required: true },
  { id: "ci", category: "operations", required: true },
  { id: "alerts", category: "security", required: false },
  { id: "sbom", category: "security", required: false },
  { id: "signoff", category: "security", required: false },
  { id: "readme", category: "docs", required: false },
];

/** A deterministic wobble: the same history every run. */
const wobble = (i: number, k: number) => Math.sin(i * 1.7 + k * 2.3) * 4;

function verdictReport(
  repository: string,
  r: (typeof REPOSITORIES)[number],
  day: number,
  at: Date,
  k: number,
  pr: number | null,
): Report {
  const score = Math.max(0, Math.min(100, Math.round((r.base - r.trend * day + wobble(day, k)) * 10) / 10));
  const failing = day % 5 === 4 ? [...r.failing, "ci"] : r.failing;
  const checks = CHECKS.map((c) =>
    check(c.id, {
      category: c.category,
      required: c.required,
      status: failing.includes(c.id) ? "fail" : "pass",
      credit: failing.includes(c.id) ? 0 : 1,
      ...(c.id === "signoff" && !failing.includes(c.id)
        ? {
            kind: "signoff",
            summary: "signed off by grace (2 days ago)",
            evidence: [
              { label: "sign-off by grace", url: `https://github.com/${repository}/pull/7#issuecomment-1` },
            ],
            details: [
              `grace signed off on abc1234 (counts until ${new Date(at.getTime() + 28 * 86_400_000).toISOString().slice(0, 10)} 09:00 UTC)`,
            ],
          }
        : {}),
    }),
  );
  const blocking = checks.filter((c) => c.status === "fail" && (c.required || score < 80)).map((c) => c.id);
  const category = (id: string, shift: number) => ({
    id,
    title: id,
    weight: 1,
    score: Math.max(0, Math.min(100, Math.round((score + shift) * 10) / 10)),
    checks: 2,
  });
  const go = score >= 80 && !checks.some((c) => c.required && c.status === "fail");
  return report({
    verdict: go ? "go" : "no-go",
    score,
    minScore: 80,
    level: score >= 90 ? "gold" : score >= 75 ? "silver" : "bronze",
    evaluatedAt: at.toISOString(),
    target: {
      context: pr === null ? "release" : "pull_request",
      repository,
      ...(pr === null ? {} : { pullRequest: pr }),
      ref: "main",
      sha: createHash("sha1").update(`${repository}@${day}`).digest("hex"),
    },
    categories: [category("operations", -6), category("security", 4), category("docs", 10)],
    checks,
    blocking: go ? [] : blocking,
    waivers:
      r.failing.includes("alerts") && day < 3
        ? [
            {
              check: "alerts",
              source: "comment",
              reason: "CVE-2026-1234 is not reachable; fixed in 2.4",
              expires: new Date(at.getTime() + 5 * 86_400_000).toISOString().slice(0, 10),
              approvedBy: "bob",
              state: "applied",
            },
          ]
        : [],
  });
}

/**
 * Writes 40 days of history for every repository (one or two evaluations a day), newest last, and a check run
 * in the stand-in for each pull request evaluation of the last week (the dashboard links to it).
 */
export async function seedHistory(store: Store, gh: GitHubStandIn, now: Date): Promise<void> {
  for (const [k, r] of REPOSITORIES.entries()) {
    const repository = `octo/${r.name}`;
    const repo = gh.repo("octo", r.name)!;
    // What the sweep would have written: the teams, the default branch.
    await saveRepository(store.sql, {
      repository,
      repositoryId: repo.id,
      installationId: 1,
      owner: "octo",
      defaultBranch: "main",
      teams: r.teams,
      hasPolicy: true,
      sweptSha: null,
      sweptAt: now,
    });
    for (let day = 39; day >= 0; day--) {
      const at = new Date(now.getTime() - day * 86_400_000 - (k + 1) * 3_600_000);
      const pr = 100 + (39 - day);
      const rep = verdictReport(repository, r, day, at, k, day % 7 === 3 ? null : pr);
      const run =
        day < 7
          ? gh.addCheckRun({
              owner: "octo",
              repo: r.name,
              name: "Production readiness",
              sha: rep.target.sha!,
              conclusion: rep.verdict === "go" ? "success" : "failure",
            })
          : null;
      await store.recordVerdict({
        repository,
        targetKind: rep.target.context as "pull_request" | "release",
        targetNumber: rep.target.pullRequest ?? 1000 + day,
        sha: rep.target.sha!,
        report: rep,
        installationId: 1,
        defaultBranch: "main",
        ...(run ? { checkRunUrl: gh.checkRunUrl(run) } : {}),
      });
    }
  }
}

export interface DashboardServer {
  gh: GitHubStandIn;
  server: Spawned;
  url: string;
  /** Signs in over HTTP as `login` (following GitHub's redirects by hand); returns the Cookie header to send. */
  signIn(login: string): Promise<string>;
  stop(): Promise<void>;
}

/** Stand-in, seeded embedded store (DATA_DIR), built server with sign-in on. */
export async function startDashboard(
  o: {
    env?: Record<string, string>;
    /** Repositories without history listed first in the installation (and readable by the member): paging. */
    filler?: number;
  } = {},
): Promise<DashboardServer> {
  const gh = await new GitHubStandIn({
    appId: DASHBOARD_APP_ID,
    publicKey: APP_KEYS.publicKey,
    installations: [
      { id: 1, account: "octo" },
      { id: 2, account: "elsewhere", appId: DASHBOARD_APP_ID + 1 },
    ],
    oauth: OAUTH,
  }).start();
  const filler = Array.from({ length: o.filler ?? 0 }, (_, i) => `filler-${i}`);
  for (const name of [...filler, ...REPOSITORIES.map((r) => r.name)])
    gh.addRepo({ owner: "octo", name, installationId: 1 });
  gh.addRepo({ owner: "elsewhere", name: "tool", installationId: 2 });
  for (const p of Object.values(PEOPLE)) gh.addUser(p);
  gh.addUser({
    ...PEOPLE.member,
    repositories: [...PEOPLE.member.repositories, ...filler.map((f) => `octo/${f}`)],
  });

  const dataDir = mkdtempSync(join(tmpdir(), "readiness-dashboard-"));
  const store = await Store.open({ dataDir });
  try {
    await seedHistory(store, gh, new Date());
  } finally {
    await store.close();
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await spawnBuiltServer({
    gh,
    secret: WEBHOOK_SECRET,
    appId: DASHBOARD_APP_ID,
    privateKey: APP_KEYS.privateKey,
    port,
    env: {
      DATA_DIR: dataDir,
      GITHUB_CLIENT_ID: OAUTH.clientId,
      GITHUB_CLIENT_SECRET: OAUTH.clientSecret,
      SESSION_SECRET,
      DASHBOARD_URL: url,
      DASHBOARD_API_TOKENS: `1:${API_TOKENS.octo}, 2:${API_TOKENS.elsewhere}`,
      ...o.env,
    },
  });
  return {
    gh,
    server,
    url,
    signIn: (login) => signInOverHttp(url, login),
    async stop() {
      await server.kill();
      await gh.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in to the dashboard at `url` over HTTP as `login` of the stand-in, following GitHub's redirects by hand;
 * returns the Cookie header to send.
 */
export async function signInOverHttp(url: string, login: string): Promise<string> {
  const start = await fetch(`${url}/auth/login`, { redirect: "manual" });
  const stateCookie = cookieOf(start, "rg_oauth");
  const authorize = new URL(start.headers.get("location")!);
  authorize.searchParams.set("login", login);
  const consent = await fetch(authorize, { redirect: "manual" });
  const back = consent.headers.get("location");
  if (!back) throw new Error(`the stand-in did not sign ${login} in: HTTP ${consent.status}`);
  const done = await fetch(back, { redirect: "manual", headers: { cookie: stateCookie } });
  if (done.status !== 302)
    throw new Error(`sign-in as ${login} failed: HTTP ${done.status} ${await done.text()}`);
  return cookieOf(done, "rg_session");
}

/** `name=value` of a Set-Cookie the response carries (for a Cookie header). */
export function cookieOf(res: Response, name: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie set (HTTP ${res.status})`);
  return line.split(";")[0]!;
}
