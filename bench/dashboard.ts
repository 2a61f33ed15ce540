// The dashboard on 10,000 repositories with a year of daily history, on a fresh PostgreSQL schema:
// 1. the queries: medians of the list page (first page, a filtered page, a sorted page) and of a repository's
//    page (and on PGlite with fewer repositories: the WebAssembly engine holds everything in this process's memory);
// 2. the pages over HTTP: the built server (`dist/app/main.js`) on that schema, a person signed in through the
//    GitHub stand-in who may read all the repositories; the first page after sign-in (it lists what the person
//    may read from GitHub, 100 repositories a request), then medians of each page, the JSON API and the CSV
//    export, as the browser asks for them.
//
//   npx tsx bench/dashboard.ts [--repositories 10000] [--days 365] [--rounds 30] [--pglite-repositories 1000]
//                              [--database-url postgres://postgres@127.0.0.1:5432/test] [--keep] [--no-http]
//
// Seeding: `days - 1` days of history per repository in batch INSERT … SELECT statements (generate_series, one
// statement per 500 repositories), then today's evaluation of every repository through Store.recordVerdict
// with a report the engine made, which keeps each repository's row as the App does. Every query is asked as
// a viewer who may read all of them (`readable` holds every name). `--pglite-repositories 0` skips PGlite;
// `--keep` leaves the PostgreSQL schema for EXPLAIN (drop it yourself).
import pg from "pg";
import { SqlDashboard } from "../src/store/dashboard.js";
import { Store } from "../src/store/store.js";
import { emptyLedger, evaluateWorld } from "../test/checks/helpers.js";
import { buildIfNeeded, freePort, spawnBuiltServer } from "../test/support/build.js";
import { OAUTH, SESSION_SECRET, signInOverHttp } from "../test/support/dashboard.js";
import { GitHubStandIn } from "../test/support/github-stand-in.js";
import { APP_KEYS } from "../test/support/payloads.js";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const repositories = Number(opt("repositories", "10000"));
const days = Number(opt("days", "365"));
const rounds = Number(opt("rounds", "30"));
const pgliteRepositories = Number(opt("pglite-repositories", "1000"));
const databaseUrl = opt(
  "database-url",
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
);

const ORGS = 20;
const TEAMS = 40;
const BATCH = 500;
const NOW = new Date();
const name = (r: number) => `org${r % ORGS}/service-${String(r).padStart(5, "0")}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return performance.now() - t;
};

// The policy of the history's rows and of today's reports: three categories, eight checks, a waiver, a sign-off.
const policy = {
  version: 1 as const,
  categories: { security: { weight: 2 }, ops: { weight: 1 }, docs: { weight: 1 } },
  checks: {
    readme: { category: "docs", file: { path: "README.md" } },
    changelog: { category: "docs", file: { path: "CHANGELOG.md" } },
    runbook: { category: "ops", required: true, file: { path: "docs/runbook.md" } },
    slo: { category: "ops", file: { path: "docs/slo.md" } },
    codeowners: { category: "security", file: { path: ".github/CODEOWNERS" } },
    security: { category: "security", file: { path: "SECURITY.md" } },
    sbom: { category: "security", file: { path: "sbom.json" } },
    review: { category: "security", signoff: { users: ["alice"] } },
  },
  waivers: [
    {
      check: "sbom",
      reason: "tooling next sprint",
      expires: new Date(NOW.getTime() + 5 * 86_400_000).toISOString().slice(0, 10),
    },
  ],
};

/** Today's report for repository r: the engine's, on one of four states of the files. */
function todays(r: number) {
  const all = [
    "README.md",
    "CHANGELOG.md",
    "docs/runbook.md",
    "docs/slo.md",
    ".github/CODEOWNERS",
    "SECURITY.md",
  ];
  const files = all.slice(0, 3 + (r % 4));
  const [owner, repo] = name(r).split("/") as [string, string];
  return evaluateWorld(
    policy,
    {
      files,
      ledger: emptyLedger({
        actors: { alice: { permission: "write", teams: [] } },
        commands: [
          {
            verb: "signoff",
            check: "review",
            actor: "alice",
            at: new Date(NOW.getTime() - 86_400_000).toISOString(),
          },
        ],
      }),
    },
    {
      context: "deployment",
      repository: { owner, name: repo, defaultBranch: "main" },
      sha: r.toString(16).padStart(40, "0"),
      ref: "main",
      deployment: { environment: "production" },
    },
    NOW,
  );
}

async function seed(store: Store, n: number): Promise<number> {
  const sql = store.sql;
  const started = performance.now();
  await sql.query(
    `INSERT INTO repositories (repository, repository_id, installation_id, owner, default_branch, teams, has_policy)
     SELECT 'org' || (r % $2) || '/service-' || lpad(r::text, 5, '0'), r, 1 + r % $2, 'org' || (r % $2), 'main',
            ARRAY['org' || (r % $2) || '/team-' || (r % $3)], true
     FROM generate_series(0, $1 - 1) r`,
    [n, ORGS, TEAMS],
  );
  const checks = Object.entries(policy.checks).map(([id, c]) => ({ id, category: c.category }));
  for (let from = 0; from < n; from += BATCH) {
    await sql.query(
      `INSERT INTO verdicts (repository, target_kind, commit_sha, context, verdict, score, min_score, mode, level,
         incomplete, categories, checks, waivers, evaluated_at, installation_id, blocking, sign_offs)
       SELECT 'org' || (r % $4) || '/service-' || lpad(r::text, 5, '0'), 'branch', md5(r::text || '-' || d) || 'abcdefgh',
         'deployment', CASE WHEN s >= 80 THEN 'go' ELSE 'no-go' END, s, 80, 'block', NULL, false,
         jsonb_build_array(
           jsonb_build_object('id', 'security', 'score', s, 'weight', 2),
           jsonb_build_object('id', 'ops', 'score', least(100, s + 10), 'weight', 1),
           jsonb_build_object('id', 'docs', 'score', 100, 'weight', 1)),
         (SELECT jsonb_agg(jsonb_build_object('id', c->>'id', 'category', c->>'category',
             'status', CASE WHEN (r + d + i) % 7 = 0 THEN 'fail' ELSE 'pass' END,
             'credit', CASE WHEN (r + d + i) % 7 = 0 THEN 0 ELSE 1 END, 'required', c->>'id' = 'runbook'))
          FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS x(c, i)),
         '[]'::jsonb, $6::timestamptz - make_interval(days => d, hours => r % 24), 1 + r % $4,
         CASE WHEN s >= 80 THEN 0 ELSE 1 + r % 3 END, '[]'::jsonb
       FROM generate_series($1::int, $2::int - 1) r, generate_series(1, $3::int - 1) d,
            LATERAL (SELECT (40 + (r * 7 + d * 13) % 61)::numeric AS s) score`,
      [from, Math.min(n, from + BATCH), days, ORGS, JSON.stringify(checks), NOW],
    );
  }
  // Today: through the App's own write, which keeps each repository's row current.
  const reports = [0, 1, 2, 3].map(todays);
  for (let r = 0; r < n; r++) {
    const report = reports[r % 4]!;
    await store.recordVerdict({
      repository: name(r),
      targetKind: "branch",
      sha: r.toString(16).padStart(40, "0"),
      report: { ...report, evaluatedAt: new Date(NOW.getTime() - (r % 3_600) * 1000).toISOString() },
      installationId: 1 + (r % ORGS),
      defaultBranch: "main",
    });
  }
  await sql.query("ANALYZE");
  return performance.now() - started;
}

async function measure(store: Store, n: number) {
  const dash = new SqlDashboard(store.sql);
  const readable = Array.from({ length: n }, (_, r) => name(r));
  const asks: Record<string, () => Promise<unknown>> = {
    "list: first page": () => dash.listRepositories({ readable }, NOW),
    "list: filtered (no-go, one team)": () =>
      dash.listRepositories({ readable, verdict: "no-go", team: "team-7" }, NOW),
    "list: sorted (score desc, page 3)": () =>
      dash.listRepositories({ readable, sort: "score", order: "desc", page: 3 }, NOW),
    "repository: 90 days": () => dash.repository(name(Math.floor(n / 2)), { readable, now: NOW }),
    "repository: 365 days": () => dash.repository(name(Math.floor(n / 3)), { readable, now: NOW, days: 365 }),
  };
  const out: Record<string, number> = {};
  for (const [label, ask] of Object.entries(asks)) {
    await ask(); // warm the plan and the cache once
    const xs: number[] = [];
    for (let i = 0; i < rounds; i++) xs.push(await time(ask));
    out[label] = median(xs);
  }
  const first = (await dash.listRepositories({ readable }, NOW)) as { total: number; items: unknown[] };
  if (first.total !== n || first.items.length !== 25)
    throw new Error(`the list shows ${first.total} of ${n}`);
  return out;
}

/** The pages over HTTP, as a signed-in person who may read all `n` repositories asks for them. */
async function overHttp(schema: string, n: number) {
  const appId = 6262;
  const gh = await new GitHubStandIn({
    appId,
    publicKey: APP_KEYS.publicKey,
    installations: Array.from({ length: ORGS }, (_, k) => ({ id: 1 + k, account: `org${k}` })),
    oauth: OAUTH,
  }).start();
  const names = Array.from({ length: n }, (_, r) => name(r));
  for (let r = 0; r < n; r++) {
    const [owner, repo] = name(r).split("/") as [string, string];
    gh.addRepo({ owner, name: repo, installationId: 1 + (r % ORGS) });
  }
  gh.addUser({ login: "platform", repositories: names });
  buildIfNeeded();
  const port = await freePort();
  const server = await spawnBuiltServer({
    port,
    gh,
    secret: "bench-dashboard",
    appId,
    privateKey: APP_KEYS.privateKey,
    env: {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      GITHUB_CLIENT_ID: OAUTH.clientId,
      GITHUB_CLIENT_SECRET: OAUTH.clientSecret,
      SESSION_SECRET,
      DASHBOARD_URL: `http://127.0.0.1:${port}`,
    },
  });
  try {
    const cookie = await signInOverHttp(server.url, "platform");
    const get = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${body.slice(0, 300)}`);
      return body;
    };
    const before = gh.requests.length;
    const t = performance.now();
    const firstPage = await get("/dashboard");
    const firstMs = performance.now() - t;
    const accessRequests = gh.requests.length - before;
    if (!firstPage.includes(`${n} of the ${n} repositories you can read`))
      throw new Error("the first page does not show every repository");
    const middle = name(Math.floor(n / 2));
    const asks: Record<string, string> = {
      "/dashboard": "/dashboard",
      "filtered (no-go, one team)": "/dashboard?verdict=no-go&team=team-7",
      "sorted (score desc, page 3)": "/dashboard?sort=score&order=desc&page=3",
      "repository (90 days)": `/dashboard/${middle}`,
      "repository (365 days)": `/dashboard/${name(Math.floor(n / 3))}?days=365`,
      "API list (JSON)": "/api/v1/repositories",
      [`CSV export (all ${n.toLocaleString("en")})`]: "/api/v1/repositories.csv",
    };
    const medians: Record<string, number> = {};
    for (const [label, path] of Object.entries(asks)) {
      await get(path);
      const xs: number[] = [];
      // The export reads every repository: fewer rounds.
      const times = path.endsWith(".csv") ? Math.max(3, Math.floor(rounds / 6)) : rounds;
      for (let i = 0; i < times; i++) xs.push(await time(() => get(path)));
      medians[label] = median(xs);
    }
    const csvRows = (await get("/api/v1/repositories.csv")).trim().split("\n").length - 1;
    if (csvRows !== n) throw new Error(`the CSV export has ${csvRows} of ${n} repositories`);
    return { firstMs, accessRequests, medians };
  } finally {
    await server.kill();
    await gh.stop();
  }
}

let http: Awaited<ReturnType<typeof overHttp>> | undefined;

const results: {
  engine: string;
  n: number;
  seedMs: number;
  rows: number;
  medians: Record<string, number>;
}[] = [];

const schema = `bench_dash_${process.pid}`;
try {
  const store = await Store.open({ databaseUrl, schema, timeoutMs: 600_000 });
  try {
    const seedMs = await seed(store, repositories);
    const [{ n: rows }] = (await store.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM verdicts",
    )) as [{ n: number }];
    results.push({
      engine: "postgres",
      n: repositories,
      seedMs,
      rows,
      medians: await measure(store, repositories),
    });
  } finally {
    await store.close();
  }
  if (!argv.includes("--no-http")) http = await overHttp(schema, repositories);
} finally {
  if (argv.includes("--keep")) {
    console.log(`kept schema ${schema}`);
  } else {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c
      .connect()
      .then(() => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
      .catch(() => {});
    await c.end().catch(() => {});
  }
}

if (pgliteRepositories > 0) {
  const store = await Store.open({});
  try {
    const seedMs = await seed(store, pgliteRepositories);
    const [{ n: rows }] = (await store.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM verdicts",
    )) as [{ n: number }];
    results.push({
      engine: "pglite (memory)",
      n: pgliteRepositories,
      seedMs,
      rows,
      medians: await measure(store, pgliteRepositories),
    });
  } finally {
    await store.close();
  }
}

console.log(
  `dashboard: medians in ms over ${rounds} rounds, ${days} days of daily history per repository (Node ${process.version})`,
);
const labels = Object.keys(results[0]?.medians ?? {});
console.log(`| engine | repositories | verdict rows | seed (s) | ${labels.join(" | ")} |`);
console.log(`|---|---|---|---|${labels.map(() => "---|").join("")}`);
for (const r of results)
  console.log(
    `| ${r.engine} | ${r.n.toLocaleString("en")} | ${r.rows.toLocaleString("en")} | ${(r.seedMs / 1000).toFixed(0)} | ${labels
      .map((l) => r.medians[l]!.toFixed(1))
      .join(" | ")} |`,
  );
if (http) {
  console.log(
    `\ndashboard pages over HTTP: the built server on that PostgreSQL schema (${repositories.toLocaleString("en")} repositories), a person who may read them all; medians in ms over ${rounds} rounds (the CSV export over ${Math.max(3, Math.floor(rounds / 6))})`,
  );
  console.log(
    `first page after sign-in: ${http.firstMs.toFixed(0)} ms, with ${http.accessRequests} requests to GitHub listing what the person may read`,
  );
  const labels = Object.keys(http.medians);
  console.log(`| ${labels.join(" | ")} |`);
  console.log(`|${labels.map(() => "---|").join("")}`);
  console.log(`| ${labels.map((l) => http!.medians[l]!.toFixed(1)).join(" | ")} |`);
}
