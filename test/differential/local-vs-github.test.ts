// Differential test: the local provider, the GitHub provider and the App must give every check the same
// status and credit on the same commit. Random git repositories (nested files, dot-files, names globs care
// about, back-dated history, renames, deletions, a commit dated in the future, a side branch merged back) and
// random policies of `file` checks (and `status` checks on another app's check run) are generated with a
// fixed seed; each repository is evaluated by `readiness check` on disk, by `readiness check --repo --ref
// <sha>` against the GitHub stand-in serving the same git objects (test/support/git-github.ts), and by the
// App in-process for a pull request whose head is that commit (its check run's summary carries each check's
// status and credit, src/report/trailer.ts). Every difference is reported with the three answers.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readChecksTrailer } from "../../src/report/trailer.js";
import { cli } from "../cli/helpers.js";
import { APP_ID, type InProcess, inProcessApp, KEYS, pullRequestPayload } from "../reliability/support.js";
import { serveGitRepo } from "../support/git-github.js";
import { type CheckRunState, GitHubStandIn } from "../support/github-stand-in.js";

const SEED = Number(process.env.DIFF_SEED ?? 20_251_203);
const RUNS = Number(process.env.DIFF_RUNS ?? 30);
/** A slow machine runs fewer samples rather than time out: the figures printed say how many ran. */
const BUDGET_MS = Number(process.env.DIFF_BUDGET_MS ?? 45_000);
const NOW = "2025-06-01T12:00:00Z";
const NOW_MS = Date.parse(NOW);
const DAY = 86_400_000;
const TOKEN = "ghs_differential";

// Names chosen for what globs and git do with them: dot-files and dot-directories, nesting, a space,
// glob metacharacters in a name, the same base name in several directories, a non-ASCII name.
const PATHS = [
  "README.md",
  "CHANGELOG.md",
  ".env.example",
  ".github/CODEOWNERS",
  ".github/workflows/ci.yml",
  "CODEOWNERS",
  "docs/guide.md",
  "docs/runbook.md",
  "docs/api/reference.md",
  "docs/.draft.md",
  "docs/with space.md",
  "docs/[notes].md",
  "src/app.ts",
  "src/lib/util.ts",
  "src/lib/deep/inner.ts",
  "vendor/x/CODEOWNERS",
  "vendor/x/README.md",
  "notes/über.md",
];

const LINES = ["owner: team-a", "# Title", "TODO: fill in", "version: 1.2.3", "ALERTS", "rollback steps", ""];

const GLOBS = [
  "**/*.md",
  "docs/**/*.md",
  "docs/*.md",
  "*.md",
  "src/**",
  ".github/*",
  "**/CODEOWNERS",
  "{CODEOWNERS,.github/CODEOWNERS,docs/CODEOWNERS}",
  "**/.*",
  "docs/\\[notes\\].md",
  "**/*.ts",
  "missing/**",
];

const PATTERNS = ["owner: ", "^# ", "TODO", "version: \\d+\\.\\d+", "[A-Z]{5}", "rollback", "^$"];

type Op =
  | { op: "write"; path: number; lines: number[]; pad: number }
  | { op: "delete"; path: number }
  | { op: "rename"; path: number; to: number };

interface CommitSpec {
  ops: Op[];
  /** Days before NOW (negative: in the future), plus hours so dates are not all on the hour. */
  daysAgo: number;
  hour: number;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("write" as const),
      path: fc.nat(PATHS.length - 1),
      lines: fc.array(fc.nat(LINES.length - 1), { maxLength: 4 }),
      pad: fc.oneof(fc.constant(0), fc.nat(300)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), path: fc.nat(PATHS.length - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("rename" as const),
      path: fc.nat(PATHS.length - 1),
      to: fc.nat(PATHS.length - 1),
    }),
  },
);

const commitArb: fc.Arbitrary<CommitSpec> = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 4 }),
  daysAgo: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 40 })),
  hour: fc.nat(23),
});

/** A branch taken from main's commit `from`, given commits of its own, and merged back (no fast-forward). */
interface SideSpec {
  from: number;
  commits: CommitSpec[];
  mergeDaysAgo: number;
}

interface RepoSpec {
  commits: CommitSpec[];
  side: SideSpec | undefined;
  /** Conclusion of the other app's `ci/lint` check run on the head, for `status` checks. */
  lint: string;
}

const repoArb: fc.Arbitrary<RepoSpec> = fc
  .record({
    commits: fc.array(commitArb, { minLength: 1, maxLength: 8 }),
    /** Whether dates follow the commits (older first) or are left as generated (back-dating). */
    ordered: fc.boolean(),
    /** Index of a commit dated in the future, if any. */
    future: fc.option(fc.nat(7), { nil: undefined }),
    side: fc.option(
      fc.record({
        from: fc.nat(7),
        commits: fc.array(commitArb, { minLength: 1, maxLength: 3 }),
        mergeDaysAgo: fc.integer({ min: 0, max: 400 }),
      }),
      { nil: undefined, freq: 3 },
    ),
    lint: fc.constantFrom("success", "failure", "neutral"),
  })
  .map(({ commits, ordered, future, side, lint }) => {
    if (ordered) {
      const days = commits.map((c) => c.daysAgo).sort((a, b) => b - a);
      commits.forEach((c, i) => {
        c.daysAgo = days[i]!;
      });
    }
    if (future !== undefined && future < commits.length) commits[future]!.daysAgo = -(3 + future);
    return { commits, side, lint };
  });

interface FileCheck {
  path: string | string[];
  minBytes?: number;
  contains?: string;
  maxAgeDays?: number;
  required: boolean;
  weight: number;
}

const checkArb: fc.Arbitrary<FileCheck> = fc
  .record({
    path: fc.oneof(
      fc.constantFrom(...PATHS),
      fc.constantFrom(...GLOBS),
      fc.array(fc.constantFrom(...PATHS, ...GLOBS), { minLength: 2, maxLength: 3 }),
    ),
    minBytes: fc.option(fc.constantFrom(1, 20, 150), { nil: undefined }),
    contains: fc.option(fc.constantFrom(...PATTERNS), { nil: undefined }),
    maxAgeDays: fc.option(fc.constantFrom(1, 7, 30, 90, 365), { nil: undefined }),
    required: fc.boolean(),
    weight: fc.constantFrom(1, 2, 5),
  })
  .map(
    (c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as FileCheck,
  );

/** A `status` check on the other app's `ci/lint` run: only GitHub knows it, so `--repo` and the App are compared. */
interface StatusCheck {
  status: { name: string; conclusions?: readonly string[] };
  required: boolean;
  weight: number;
}
type AnyCheck = FileCheck | StatusCheck;

const statusArb: fc.Arbitrary<StatusCheck> = fc.record({
  status: fc.oneof(
    fc.constant({ name: "ci/lint" }),
    fc.constant({ name: "ci/lint", conclusions: ["success", "neutral"] }),
    fc.constant({ name: "ci/lint", conclusions: ["failure"] }),
  ),
  required: fc.boolean(),
  weight: fc.constantFrom(1, 2, 5),
});

const policyArb = fc.array(
  fc.oneof({ weight: 6, arbitrary: checkArb as fc.Arbitrary<AnyCheck> }, { weight: 1, arbitrary: statusArb }),
  { minLength: 1, maxLength: 6 },
);

function policyYaml(checks: AnyCheck[]): string {
  const lines = [
    "version: 1",
    // The App evaluates pull requests into `gate` (see gateBranch); the CLI ignores `applies`.
    "applies:",
    "  pullRequests: { branches: [gate] }",
    "gate:",
    "  minScore: 50",
    "categories:",
    "  docs: { title: Docs, weight: 1 }",
    "checks:",
  ];
  checks.forEach((c, i) => {
    let body: string;
    if ("status" in c) body = `    status: ${JSON.stringify(c.status)}`;
    else {
      const file: Record<string, unknown> = { path: c.path };
      for (const k of ["minBytes", "contains", "maxAgeDays"] as const) if (c[k] !== undefined) file[k] = c[k];
      body = `    file: ${JSON.stringify(file)}`;
    }
    lines.push(
      `  c${i}:`,
      `    title: Check ${i}`,
      "    category: docs",
      `    required: ${c.required}`,
      `    weight: ${c.weight}`,
      body,
    );
  });
  return `${lines.join("\n")}\n`;
}

const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
function git(dir: string, args: string[], date?: string): string {
  const env = date ? { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : GIT_ENV;
  return execFileSync(
    "git",
    ["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args],
    { cwd: dir, env, encoding: "utf8" },
  );
}

function applyOps(dir: string, ops: Op[], present: Set<string>): void {
  for (const op of ops) {
    const path = PATHS[op.path]!;
    if (op.op === "write") {
      const text = `${op.lines.map((l) => LINES[l]).join("\n")}\n${"x".repeat(op.pad)}`;
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
      present.add(path);
    } else if (op.op === "delete" && present.has(path)) {
      rmSync(join(dir, path));
      present.delete(path);
    } else if (op.op === "rename" && present.has(path) && !present.has(PATHS[op.to]!)) {
      const to = PATHS[op.to]!;
      mkdirSync(dirname(join(dir, to)), { recursive: true });
      renameSync(join(dir, path), join(dir, to));
      present.delete(path);
      present.add(to);
    }
  }
}

const dateOf = (daysAgo: number, hour = 0) =>
  new Date(NOW_MS - daysAgo * DAY - hour * 3_600_000).toISOString();

/** Builds the repository; returns its head commit. */
function build(dir: string, spec: RepoSpec): string {
  git(dir, ["init", "-q", "-b", "main"]);
  const present = new Set<string>();
  const shas: string[] = [];
  spec.commits.forEach((c, n) => {
    applyOps(dir, c.ops, present);
    // Every commit changes something, so history has one commit per spec.
    writeFileSync(join(dir, "log.txt"), `commit ${n}\n`, { flag: "a" });
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-q", "-m", `commit ${n}`], dateOf(c.daysAgo, c.hour));
    shas.push(git(dir, ["rev-parse", "HEAD"]).trim());
  });
  const side = spec.side;
  if (side && side.from < shas.length - 1) {
    // A side branch from an earlier commit, merged back: paths changed on both sides, merges that combine
    // them, and side commits dated anywhere.
    git(dir, ["checkout", "-q", "-b", "side", shas[side.from]!]);
    const onSide = new Set(
      git(dir, ["ls-files", "-z"])
        .split("\0")
        .filter((p) => p && p !== "log.txt"),
    );
    side.commits.forEach((c, n) => {
      applyOps(dir, c.ops, onSide);
      writeFileSync(join(dir, "side.txt"), `side ${n}\n`, { flag: "a" });
      git(dir, ["add", "-A"]);
      git(dir, ["commit", "-q", "-m", `side ${n}`], dateOf(c.daysAgo, c.hour));
    });
    git(dir, ["checkout", "-q", "main"]);
    try {
      git(
        dir,
        ["merge", "-q", "--no-ff", "-X", "theirs", "-m", "merge side", "side"],
        dateOf(side.mergeDaysAgo),
      );
    } catch {
      // A conflict -X theirs cannot settle (modify/delete, rename/rename): no merge in this sample.
      git(dir, ["merge", "--abort"]);
    }
  }
  return git(dir, ["rev-parse", "HEAD"]).trim();
}

/** Some commit is dated before its parent (committer dates go back along the first-parent history). */
function datesGoBack(dir: string): boolean {
  const times = git(dir, ["log", "--first-parent", "--format=%ct"]).trim().split("\n").map(Number);
  return times.some((t, i) => i + 1 < times.length && t < times[i + 1]!);
}

interface Outcome {
  status: string;
  credit: number;
  summary: string;
}

async function evaluate(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Map<string, Outcome>> {
  const run = await cli([...argv, "--now", NOW, "--format", "json"], { cwd, env });
  if (!run.stdout.trim()) throw new Error(`no report (exit ${run.code}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as {
    checks: { id: string; status: string; credit: number; summary: string }[];
  };
  return new Map(
    report.checks.map((c) => [c.id, { status: c.status, credit: c.credit, summary: c.summary }]),
  );
}

/** Puts the policy on an orphan branch `gate` (a pull request's base), so the head's tree does not hold it. */
function gateBranch(dir: string, policyText: string): void {
  const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], {
    cwd: dir,
    env: GIT_ENV,
    input: policyText,
    encoding: "utf8",
  }).trim();
  const tree = execFileSync("git", ["mktree"], {
    cwd: dir,
    env: GIT_ENV,
    input: `100644 blob ${blob}\t.readiness.yml\n`,
    encoding: "utf8",
  }).trim();
  const commit = git(dir, ["commit-tree", tree, "-m", "policy"], new Date(NOW_MS - 500 * DAY).toISOString());
  git(dir, ["update-ref", "refs/heads/gate", commit.trim()]);
}

/** The App's answer per check, read back from the machine-readable trailer of its check run's summary. */
function fromCheckRun(run: CheckRunState | undefined): Map<string, Outcome> | string {
  if (!run) return "no completed check run";
  const trailer = readChecksTrailer(run.output.summary ?? "");
  if (!trailer) return `check run without a trailer: ${run.output.title}`;
  if (trailer.omitted > 0) return `${trailer.omitted} checks omitted from the trailer`;
  return new Map(trailer.checks.map((c) => [c.id, { status: c.status, credit: c.credit, summary: "" }]));
}

describe("local, GitHub and the App's check run agree on file checks", () => {
  const gh = new GitHubStandIn({
    appId: APP_ID,
    publicKey: KEYS.publicKey,
    installations: [{ id: 1, account: "octo" }],
  });
  const root = realpathSync(mkdtempSync(join(tmpdir(), "rg-diff-")));
  let app: InProcess;
  beforeAll(async () => {
    await gh.start();
    app = await inProcessApp(gh, {
      retries: "off",
      now: () => new Date(NOW),
      reconcileIntervalMinutes: null,
    });
  });
  afterAll(async () => {
    await app?.runtime.drain(5_000);
    await gh.stop();
    if (!process.env.DIFF_KEEP) rmSync(root, { recursive: true, force: true });
  });

  it(`${RUNS} random repositories and policies (seed ${SEED})`, { timeout: BUDGET_MS + 60_000 }, async () => {
    const samples = fc.sample(fc.tuple(repoArb, policyArb), { seed: SEED, numRuns: RUNS });
    const differences: string[] = [];
    let compared = 0;
    let backDatedRuns = 0;
    let merged = 0;
    let statusChecks = 0;
    const started = Date.now();
    let runs = 0;
    for (const [i, [spec, checks]] of samples.entries()) {
      if (Date.now() - started > BUDGET_MS) break;
      runs++;
      const dir = join(root, `r${i}`);
      mkdirSync(dir);
      const sha = build(dir, spec);
      if (spec.side && git(dir, ["rev-list", "--merges", "--count", "HEAD"]).trim() !== "0") merged++;
      const policyText = policyYaml(checks);
      const policy = join(root, `p${i}.yml`);
      writeFileSync(policy, policyText);
      gateBranch(dir, policyText);
      const name = `repo${i}`;
      const repo = { owner: "octo", name, id: 5000 + i };
      gh.addRepo({ ...repo, pulls: [{ number: 1, base: "gate", head: "topic", headSha: sha }] });
      serveGitRepo(gh, { owner: "octo", name, dir, token: TOKEN });
      // Another app's check run on the head, completed before anything evaluates it.
      gh.checkRuns.push({
        id: 900_000 + i,
        owner: "octo",
        repo: name,
        name: "ci/lint",
        head_sha: sha,
        status: "completed",
        conclusion: spec.lint,
        external_id: null,
        output: {},
        annotations: [],
        actions: [],
        app_id: 77,
        writes: [],
        rejectedWrites: [],
      });
      const local = await evaluate(["check", dir, "--policy", policy], {}, root);
      const remote = await evaluate(
        ["check", "--repo", `octo/${name}`, "--ref", sha, "--policy", policy],
        { GITHUB_API_URL: gh.baseUrl, GITHUB_TOKEN: TOKEN },
        root,
      );
      await app.receive(
        "pull_request",
        pullRequestPayload(repo, { number: 1, base: "gate", head: "topic", headSha: sha }, "opened"),
      );
      await app.runtime.idle();
      const byApp = fromCheckRun(
        gh.checkRuns.findLast((r) => r.repo === name && r.head_sha === sha && r.status === "completed"),
      );
      if (typeof byApp === "string") differences.push(`run ${i} app: ${byApp}\n  repo: ${dir}`);
      if (datesGoBack(dir)) backDatedRuns++;
      for (const [id, l] of local) {
        compared++;
        const r = remote.get(id);
        const a = typeof byApp === "string" ? undefined : byApp.get(id);
        const isStatus = "status" in checks[Number(id.slice(1))]!;
        // A status check is GitHub's alone: locally unknown, and `--repo` is what the App must match.
        const want = isStatus ? r : l;
        if (isStatus) statusChecks++;
        const same = (o: Outcome | undefined) =>
          o && want && o.status === want.status && o.credit === want.credit;
        const localOk = isStatus ? l.status === "unknown" : same(r);
        if (!localOk || (typeof byApp !== "string" && !same(a))) {
          differences.push(
            `run ${i} ${id} ${JSON.stringify(checks[Number(id.slice(1))])}\n  local:  ${l.status} ${l.credit} ${l.summary}\n  github: ${r?.status} ${r?.credit} ${r?.summary}\n  app:    ${a?.status} ${a?.credit}\n  repo: ${dir}`,
          );
        }
      }
    }
    console.log(
      `differential: seed ${SEED}, ${runs} of ${RUNS} runs (${backDatedRuns} with back-dated history, ${merged} with a merge), ${compared} checks compared three ways (local, --repo, the App's check run; ${statusChecks} status checks: --repo and the App), ${differences.length} differences, ${Date.now() - started} ms`,
    );
    expect(differences).toEqual([]);
    expect(runs).toBeGreaterThan(0);
    // Exact last-change look-ups went through GraphQL, answered by git from the same objects.
    expect(gh.count("POST /api/graphql")).toBeGreaterThan(0);
  });
});
