// `readiness check` against repolinter 0.12.0 on the same 20,000-file git checkout, same rules, interleaved runs.
//
//   npx tsx bench/cli-speed.ts [--runs 7] [--no-build] [--profile [--profile-runs N]]
//
// Builds (once, cached under bench/.cache) a repository with a realistic layout and 300 back-dated commits,
// a .readiness.yml with 30 file checks (10 with maxAgeDays, 7 with contains) and the equivalent repolinter
// ruleset (file-existence / file-contents; freshness has no repolinter equivalent, so those are existence only).
// Installs repolinter on demand into bench/.cache/repolinter. Prints medians, p90, the ratio and peak RSS.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { cpus, loadavg, platform, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FileIndex } from "../src/evidence/file-index.js";
import { LocalEvidence } from "../src/evidence/local/provider.js";
import type { Need } from "../src/evidence/types.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const CACHE = join(ROOT, "bench/.cache");
const REPOLINTER_DIR = join(CACHE, "repolinter");
const REPOLINTER_BIN = join(REPOLINTER_DIR, "node_modules/repolinter/bin/repolinter.js");
const CLI = join(ROOT, "bin/readiness.js");
const FILES = 20_000;
const COMMITS = 300;
const DAY = 86_400;

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Number(flag("--runs") ?? 7);
const BUILD = !argv.includes("--no-build");
const PROFILE = argv.includes("--profile");
const PROFILE_RUNS = Number(flag("--profile-runs") ?? 1);

// ------------------------------------------------------------------ the checks, both ways

interface Rule {
  id: string;
  path: string;
  contains?: string;
  maxAgeDays?: number;
}

const SERVICES = [
  "billing",
  "auth",
  "search",
  "payments",
  "ledger",
  "notify",
  "gateway",
  "catalog",
  "orders",
  "users",
];
const SERVICE_COUNT = 20;
const serviceName = (i: number) => (i < SERVICES.length ? SERVICES[i]! : `svc-${String(i).padStart(2, "0")}`);

const RULES: Rule[] = [
  { id: "readme", path: "README.md", contains: "^## Quickstart" },
  { id: "license", path: "LICENSE", contains: "MIT License" },
  { id: "contributing", path: "CONTRIBUTING.md" },
  { id: "code-of-conduct", path: "CODE_OF_CONDUCT.md" },
  { id: "security-policy", path: "SECURITY.md", contains: "security@", maxAgeDays: 365 },
  { id: "changelog", path: "CHANGELOG.md", contains: "^## \\d+\\.\\d+\\.\\d+" },
  { id: "codeowners", path: ".github/CODEOWNERS", contains: "@" },
  { id: "dependabot", path: ".github/dependabot.yml" },
  { id: "ci-workflows", path: ".github/workflows/*.yml" },
  { id: "issue-templates", path: ".github/ISSUE_TEMPLATE/*.md" },
  { id: "pr-template", path: ".github/pull_request_template.md" },
  { id: "editorconfig", path: ".editorconfig" },
  { id: "lockfile", path: "package-lock.json" },
  { id: "adrs", path: "docs/adr/*.md" },
  { id: "architecture-fresh", path: "docs/architecture.md", maxAgeDays: 365 },
  { id: "slo-fresh", path: "docs/slo.md", maxAgeDays: 180 },
  { id: "oncall-fresh", path: "docs/oncall.md", maxAgeDays: 90 },
  ...[0, 1, 2, 3, 4, 5].map((i) => ({
    id: `runbook-${serviceName(i)}`,
    path: `services/${serviceName(i)}/runbook.md`,
    maxAgeDays: 90,
  })),
  { id: "dockerfiles", path: "services/*/Dockerfile" },
  { id: "healthcheck", path: "services/billing/Dockerfile", contains: "HEALTHCHECK" },
  { id: "openapi", path: "services/*/openapi.yaml" },
  { id: "unit-tests", path: "**/*.test.ts" },
  { id: "package-readmes", path: "packages/*/README.md" },
  { id: "strict-typescript", path: "tsconfig.json", contains: '"strict": true' },
  { id: "guides", path: "docs/**/*.md" },
];

function policyYaml(): string {
  const lines = ["version: 1", "gate:", "  minScore: 80", "checks:"];
  for (const r of RULES) {
    const parts = [`path: ${JSON.stringify(r.path)}`];
    if (r.contains) parts.push(`contains: ${JSON.stringify(r.contains)}`);
    if (r.maxAgeDays) parts.push(`maxAgeDays: ${r.maxAgeDays}`);
    lines.push(`  ${r.id}:`, `    file: { ${parts.join(", ")} }`);
  }
  return `${lines.join("\n")}\n`;
}

// ------------------------------------------------------------------ the repository

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  "account balance cache client config context cursor event handler index ledger limit order queue record retry route schema session stream token user value".split(
    " ",
  );

function layout(rng: () => number): Map<string, string> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const ts = (name: string) => {
    const n = 8 + Math.floor(rng() * 40);
    const body: string[] = [`// ${name}`, `import { ${pick(WORDS)} } from "./${pick(WORDS)}.js";`, ""];
    for (let i = 0; i < n; i++) body.push(`export const ${pick(WORDS)}${i} = ${Math.floor(rng() * 1000)};`);
    return `${body.join("\n")}\n`;
  };
  const files = new Map<string, string>();
  const add = (p: string, text: string) => files.set(p, text);

  add("README.md", "# Platform\n\nThe monorepo.\n\n## Quickstart\n\n```\nnpm ci && npm test\n```\n");
  add("LICENSE", "MIT License\n\nCopyright (c) 2024 Example\n");
  add("CONTRIBUTING.md", "# Contributing\n\nOpen a pull request.\n");
  add("CODE_OF_CONDUCT.md", "# Code of conduct\n\nBe kind.\n");
  add("SECURITY.md", "# Security\n\nReport to security@example.com.\n");
  add("CHANGELOG.md", "# Changelog\n\n## 2.4.0\n\n- Faster.\n");
  add(
    "package.json",
    '{ "name": "platform", "private": true, "workspaces": ["packages/*", "services/*"] }\n',
  );
  add("package-lock.json", '{ "lockfileVersion": 3 }\n');
  add("tsconfig.json", '{ "compilerOptions": { "strict": true } }\n');
  add(".editorconfig", "root = true\n");
  add(".gitignore", "node_modules/\ndist/\n");
  add(".readiness.yml", policyYaml());
  add(".github/CODEOWNERS", "* @example/platform\n");
  add(".github/dependabot.yml", "version: 2\n");
  for (const w of ["ci", "release", "codeql"]) add(`.github/workflows/${w}.yml`, `name: ${w}\non: push\n`);
  for (const t of ["bug", "feature"]) add(`.github/ISSUE_TEMPLATE/${t}.md`, `# ${t}\n`);
  add(".github/pull_request_template.md", "## What\n");
  add("docs/architecture.md", "# Architecture\n");
  add("docs/slo.md", "# SLOs\n\n99.9% of requests under 300 ms.\n");
  add("docs/oncall.md", "# On-call\n");
  for (let i = 1; i <= 30; i++) add(`docs/adr/${String(i).padStart(4, "0")}-decision.md`, `# ADR ${i}\n`);
  for (let i = 0; i < 20; i++) add(`docs/guides/${pick(WORDS)}-${i}.md`, `# Guide ${i}\n`);

  for (let s = 0; s < SERVICE_COUNT; s++) {
    const base = `services/${serviceName(s)}`;
    add(`${base}/README.md`, `# ${serviceName(s)}\n`);
    add(`${base}/runbook.md`, `# Runbook: ${serviceName(s)}\n\nPage the owner.\n`);
    add(
      `${base}/Dockerfile`,
      `FROM node:20-slim\n${s % 3 === 0 ? "HEALTHCHECK CMD curl -f localhost/health\n" : ""}`,
    );
    add(`${base}/openapi.yaml`, "openapi: 3.1.0\n");
    add(`${base}/package.json`, `{ "name": "${serviceName(s)}" }\n`);
    for (let m = 0; m < 20; m++) {
      const mod = `${base}/src/${pick(WORDS)}${m}`;
      for (let f = 0; f < 15; f++) add(`${mod}/${pick(WORDS)}-${f}.ts`, ts(`${mod}/${f}`));
      for (let f = 0; f < 5; f++) add(`${base}/test/${pick(WORDS)}${m}-${f}.test.ts`, ts(`test ${m} ${f}`));
    }
  }
  // Packages fill up to exactly FILES.
  for (let p = 0; files.size < FILES; p++) {
    const base = `packages/pkg-${String(p).padStart(3, "0")}`;
    add(`${base}/README.md`, `# pkg ${p}\n`);
    add(`${base}/package.json`, `{ "name": "@example/pkg-${p}" }\n`);
    for (let m = 0; m < 12 && files.size < FILES; m++) {
      for (let f = 0; f < 14 && files.size < FILES; f++) {
        add(`${base}/src/${pick(WORDS)}/${pick(WORDS)}-${m}-${f}.ts`, ts(`${base} ${m} ${f}`));
      }
      if (files.size < FILES) add(`${base}/test/${m}.test.ts`, ts(`${base} test ${m}`));
    }
  }
  return files;
}

/** Commits per path that must change at a given age (days before the build), to give freshness checks work. */
const PLANNED: Record<string, number> = {
  "SECURITY.md": 30,
  "docs/slo.md": 100,
  "docs/oncall.md": 200,
  "services/billing/runbook.md": 10,
  "services/auth/runbook.md": 45,
  "services/search/runbook.md": 80,
  "services/payments/runbook.md": 400,
  // docs/architecture.md and the ledger/notify runbooks are never touched after the first commit.
};

function buildRepo(dir: string): void {
  const rng = mulberry32(20_000);
  const files = layout(rng);
  const sources = [...files.keys()].filter((p) => p.endsWith(".ts"));
  const now = Math.floor(Date.now() / 1000);
  const start = now - 730 * DAY;
  const step = Math.floor((729 * DAY) / (COMMITS - 1));
  const planned = new Map<number, string[]>();
  for (const [path, age] of Object.entries(PLANNED)) {
    const k = Math.min(COMMITS - 1, Math.max(1, Math.round((now - age * DAY - start) / step)));
    planned.set(k, [...(planned.get(k) ?? []), path]);
  }

  const chunks: Buffer[] = [];
  const emit = (s: string | Buffer) => chunks.push(typeof s === "string" ? Buffer.from(s) : s);
  const blob = (path: string, text: string) => {
    const data = Buffer.from(text);
    emit(`M 100644 inline ${path}\ndata ${data.length}\n`);
    emit(data);
    emit("\n");
  };
  for (let k = 0; k < COMMITS; k++) {
    const when = start + k * step + Math.floor(rng() * 3600);
    const message = k === 0 ? "Initial import" : `Change ${k}`;
    emit(`commit refs/heads/main\ncommitter Bench <bench@example.com> ${when} +0000\n`);
    emit(`data ${Buffer.byteLength(message)}\n${message}\n`);
    if (k === 0) {
      for (const [path, text] of files) blob(path, text);
      continue;
    }
    const touched = new Set(planned.get(k) ?? []);
    const n = 1 + Math.floor(rng() * 6);
    for (let i = 0; i < n; i++) touched.add(sources[Math.floor(rng() * sources.length)]!);
    for (const path of touched) {
      const text = `${files.get(path)}// change ${k}\n`;
      files.set(path, text);
      blob(path, text);
    }
  }
  emit("done\n");

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const git = (args: string[], input?: Buffer) =>
    execFileSync("git", ["-c", "init.defaultBranch=main", ...args], {
      cwd: dir,
      input,
      stdio: [input ? "pipe" : "ignore", "ignore", "inherit"],
      maxBuffer: 1 << 30,
    });
  git(["init", "-q"]);
  git(["fast-import", "--quiet", "--done"], Buffer.concat(chunks));
  git(["reset", "-q", "--hard", "main"]);
  writeFileSync(join(dir, ".git/bench-ready"), "");
}

function ensureRepo(): string {
  const key = createHash("sha1").update(`${FILES}/${COMMITS}/v1/${policyYaml()}`).digest("hex").slice(0, 8);
  const dir = join(CACHE, `cli-speed-repo-${key}`);
  if (!existsSync(join(dir, ".git/bench-ready"))) {
    const t = performance.now();
    process.stderr.write(
      `building ${FILES.toLocaleString("en-US")}-file repository with ${COMMITS} commits in ${dir}…\n`,
    );
    buildRepo(dir);
    process.stderr.write(`  built in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  return dir;
}

// ------------------------------------------------------------------ tools

function ensureRepolinter(): void {
  if (existsSync(REPOLINTER_BIN)) return;
  process.stderr.write("installing repolinter@0.12.0 into bench/.cache/repolinter…\n");
  const r = spawnSync(
    "npm",
    [
      "install",
      "--prefix",
      REPOLINTER_DIR,
      "repolinter@0.12.0",
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  if (r.status !== 0 || !existsSync(REPOLINTER_BIN)) throw new Error("repolinter could not be installed");
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * dist/ is what bin/readiness.js runs; rebuild it when src/ is newer. tsc emits even with type errors
 * elsewhere in src/, so a failed build still leaves a CLI worth trying (the probe run decides).
 * Returns why the CLI cannot run, or null.
 */
function prepareCli(notes: string[]): string | null {
  if (!existsSync(join(ROOT, "src/cli/main.ts"))) return "src/cli/main.ts does not exist yet";
  // What bin/readiness.js loads: the bundle scripts/bundle-cli.mjs writes during npm run build.
  const built = join(ROOT, "dist/cli/readiness.cjs");
  const stale = !existsSync(built) || statSync(built).mtimeMs < newestMtime(join(ROOT, "src"));
  if (stale && BUILD) {
    process.stderr.write("building dist/ (npm run build)…\n");
    const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) {
      const first = `${r.stdout}${r.stderr}`.split("\n").find((l) => /error TS/.test(l)) ?? "failed";
      notes.push(`npm run build reported errors (${first.trim()}); timing what tsc emitted`);
    }
  } else if (stale) {
    notes.push("dist/ is older than src/ and --no-build was given");
  }
  if (!existsSync(built)) return "dist/cli/readiness.cjs does not exist (run npm run build)";
  return null;
}

interface Run {
  ms: number;
  rssKb: number | null;
  /** user + system CPU of the process and its children (git), from /usr/bin/time; less sensitive to load. */
  cpuMs: number | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const RSS_PRELOAD = join(tmpdir(), "rg-bench-rss.cjs");

/** Runs a node script; wall time from spawn to exit, peak RSS from /usr/bin/time -v (else a preload). */
function measure(script: string, args: string[]): Promise<Run> {
  const rssFile = join(tmpdir(), `rg-bench-rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.GITHUB_TOKEN;
  delete env.GH_TOKEN;
  delete env.NODE_OPTIONS;
  let cmd = process.execPath;
  let full = [script, ...args];
  if (TIME) {
    cmd = TIME;
    full = ["-v", "-o", rssFile, process.execPath, ...full];
  } else {
    writeFileSync(
      RSS_PRELOAD,
      "process.on('exit',()=>require('fs').writeFileSync(process.env.RG_RSS_FILE,String(process.resourceUsage().maxRSS)))\n",
    );
    env.NODE_OPTIONS = `--require ${RSS_PRELOAD}`;
    env.RG_RSS_FILE = rssFile;
  }
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, full, { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      let rssKb: number | null = null;
      let cpuMs: number | null = null;
      try {
        const text = readFileSync(rssFile, "utf8");
        const m = TIME ? /Maximum resident set size \(kbytes\): (\d+)/.exec(text) : /^(\d+)/.exec(text);
        rssKb = m ? Number(m[1]) : null;
        const user = /User time \(seconds\): ([\d.]+)/.exec(text);
        const sys = /System time \(seconds\): ([\d.]+)/.exec(text);
        if (user && sys) cpuMs = (Number(user[1]) + Number(sys[1])) * 1000;
        const exit = /Exit status: (\d+)/.exec(text);
        if (TIME && exit) code = Number(exit[1]);
      } catch {
        // no figure
      }
      done({
        ms,
        rssKb,
        cpuMs,
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

// ------------------------------------------------------------------ figures

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** Nearest rank: with 7 runs, p90 is the slowest. */
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(0.9 * xs.length) - 1]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const mb = (kb: number | null) => (kb === null ? "n/a" : `${(kb / 1024).toFixed(0)} MB`);

type Outcome = Map<string, boolean>;

function ourOutcome(stdout: string): Outcome | string {
  try {
    const report = JSON.parse(stdout) as { checks?: { id: string; status: string }[] };
    if (!Array.isArray(report.checks)) return "no checks[] in the JSON output";
    return new Map(report.checks.map((c) => [c.id, c.status === "pass"]));
  } catch (e) {
    return `output is not JSON: ${(e as Error).message}`;
  }
}

function repolinterOutcome(stdout: string): Outcome | string {
  try {
    const out = JSON.parse(stdout) as { results?: { ruleInfo: { name: string }; status: string }[] };
    if (!Array.isArray(out.results)) return "no results[] in the JSON output";
    return new Map(out.results.map((r) => [r.ruleInfo.name, r.status === "PASSED"]));
  } catch (e) {
    return `output is not JSON: ${(e as Error).message}`;
  }
}

/**
 * In-process timing of the evidence provider alone, to see where the CLI's time goes. Not the CLI figure.
 * Freshness both ways: exact dates for every path (one walk of history, as before issue 13) and by window.
 */
async function providerPhases(tree: Tree): Promise<void> {
  const dir = tree.dir;
  const t = {
    files: [] as number[],
    exact: [] as number[],
    windowed: [] as number[],
    content: [] as number[],
  };
  let count = 0;
  let aged = 0;
  for (let i = 0; i < RUNS; i++) {
    const p = new LocalEvidence(dir);
    let t0 = performance.now();
    const got = await p.collect([{ type: "files" }], { context: "local" });
    t.files.push(performance.now() - t0);
    const index = (got.values().next().value as { value: FileIndex }).value;
    count = index.size;
    // The paths the checks ask about: every match of a maxAgeDays entry; the first 50 of a contains entry.
    const ages = tree.rules.flatMap((r) =>
      r.maxAgeDays ? index.match(r.path).map((path) => ({ path, within: r.maxAgeDays! })) : [],
    );
    aged = ages.length;
    const contents: Need[] = tree.rules.flatMap((r) =>
      r.contains
        ? index
            .match(r.path)
            .slice(0, 50)
            .map((path): Need => ({ type: "content", path }))
        : [],
    );
    t0 = performance.now();
    await new LocalEvidence(dir).collect(
      ages.map((a): Need => ({ type: "lastChanged", path: a.path })),
      { context: "local" },
    );
    t.exact.push(performance.now() - t0);
    t0 = performance.now();
    await new LocalEvidence(dir, { now: () => new Date() }).collect(
      ages.map((a): Need => ({ type: "lastChanged", ...a })),
      { context: "local" },
    );
    t.windowed.push(performance.now() - t0);
    t0 = performance.now();
    await p.collect(contents, { context: "local" });
    t.content.push(performance.now() - t0);
  }
  console.log(`\n${tree.name}: LocalEvidence in process (evidence only, not the CLI), median of ${RUNS}:`);
  console.log(`  file list (git ls-files, ${count.toLocaleString("en-US")} paths): ${ms(median(t.files))}`);
  console.log(`  last change of ${aged} paths, exact (one git log over history): ${ms(median(t.exact))}`);
  console.log(`  the same by window (issue 13): ${ms(median(t.windowed))}`);
  console.log(`  content for the contains checks: ${ms(median(t.content))}`);
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The CLI runs as a bundle (dist/cli/readiness.cjs, run by bin/load-cli.js as a vm.Script named by its path):
 * its frames name the bundle, not src/ or node_modules/. The bundle's source map gives each function's
 * original file, so the areas below mean what they did before.
 */
function originalUrls(): (frame: CpuProfile["nodes"][number]["callFrame"]) => string {
  const maps = new Map<string, SourceMap | null>();
  return (frame) => {
    if (!/\.[cm]js$/.test(frame.url) || !/^(file:\/\/|\/)/.test(frame.url)) return frame.url;
    let map = maps.get(frame.url);
    if (map === undefined) {
      const file = `${frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url}.map`;
      map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : null;
      maps.set(frame.url, map);
    }
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as
      | { originalSource?: string }
      | undefined;
    return entry?.originalSource ?? frame.url;
  };
}

const ZOD = "/node_modules/zod/";
const ZOD_PARSE = /^(safeParse|parse|_safeParse|_parse|safeParseAsync)$/;
const SCHEMAS_BUILT = "zod schemas built (zod called from src/, not within a parse; inside the areas above)";

/** One profile's sampled milliseconds by area, its total, and the time building zod schemas. */
function profileAreas(p: CpuProfile, urlOf: ReturnType<typeof originalUrls>): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const rules: [string, (url: string, fn: string) => boolean][] = [
    ["local evidence (src/evidence/local)", (u) => u.includes("/evidence/local/")],
    ["file index: build and glob matching", (u) => u.includes("/evidence/file-index")],
    ["policy: read, parse, validate", (u) => u.includes("/policy/")],
    ["check kinds and engine", (u) => u.includes("/checks/") || u.includes("/engine/")],
    ["report rendering", (u) => u.includes("/report/")],
    [
      "module loading and compiling",
      (u, f) => u.startsWith("node:internal/modules") || /^compileFunction/.test(f),
    ],
  ];
  const sum = new Map<string, number>([["total", 0]]);
  const add = (label: string, dt: number) => sum.set(label, (sum.get(label) ?? 0) + dt);
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    add("total", dt);
    const leaf = byId.get(id)!.callFrame.functionName;
    let label =
      leaf === "(idle)"
        ? "idle: waiting on git and the disk"
        : leaf === "(garbage collector)"
          ? "garbage collection"
          : "";
    // building a schema: zod's code called from ours (a kind's schema, the policy's), with no parse under way
    let caller: string | undefined;
    let inZod = false;
    let parsing = false;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const url = urlOf(f);
      if (!label) label = rules.find(([, test]) => test(url, f.functionName))?.[0] ?? "";
      if (url.includes(ZOD)) {
        inZod = true;
        parsing ||= ZOD_PARSE.test(f.functionName);
      } else if (inZod && caller === undefined) caller = url;
    }
    add(label || "other (startup, CLI, Node internals)", dt);
    if (caller?.includes("/src/") && !parsing) add(SCHEMAS_BUILT, dt);
  });
  return sum;
}

/**
 * Where a CLI run spends its time, from V8's CPU profile (--profile): the median of --profile-runs profiled
 * runs (default 1), area by area. Sampling adds some overhead.
 */
async function profileCli(tree: string, args: string[]): Promise<void> {
  const dir = join(CACHE, "cli-speed-profile");
  const urlOf = originalUrls();
  const runs: Map<string, number>[] = [];
  for (let i = 0; i < PROFILE_RUNS; i++) {
    rmSync(dir, { recursive: true, force: true });
    await measure("--cpu-prof", ["--cpu-prof-dir", dir, CLI, ...args]);
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) return void console.log("\nprofile: no .cpuprofile written");
    runs.push(profileAreas(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, urlOf));
  }
  const at = (label: string) => median(runs.map((r) => r.get(label) ?? 0));
  const labels = new Set(runs.flatMap((r) => [...r.keys()]));
  labels.delete("total");
  labels.delete(SCHEMAS_BUILT);
  const what = PROFILE_RUNS === 1 ? "One readiness run" : `Medians of ${PROFILE_RUNS} readiness runs`;
  console.log(`\n${tree}: ${what} under the V8 profiler (--profile): ${ms(at("total"))} sampled`);
  for (const label of [...labels].sort((x, y) => at(y) - at(x)))
    console.log(`  ${ms(at(label)).padStart(7)}  ${label}`);
  console.log(`  ${ms(at(SCHEMAS_BUILT)).padStart(7)}  ${SCHEMAS_BUILT}`);
}

/** Checks for the real trees: what a readiness policy of an open-source repository asks, 16 checks, 4 with maxAgeDays. */
const REAL_RULES: Rule[] = [
  { id: "readme", path: "README.md", contains: "^#" },
  { id: "license", path: "{LICENSE,LICENSE.md,MIT-LICENSE,LICENSE.txt}" },
  { id: "contributing", path: "CONTRIBUTING.md", maxAgeDays: 365 },
  { id: "security-policy", path: "SECURITY.md", contains: "(?i)vulnerab|security", maxAgeDays: 730 },
  { id: "code-of-conduct", path: "CODE_OF_CONDUCT.md" },
  { id: "changelog", path: "{CHANGELOG.md,History.md,RELEASE.md}" },
  { id: "codeowners", path: "{.github/CODEOWNERS,CODEOWNERS}" },
  { id: "ci-workflows", path: ".github/workflows/*.yml", maxAgeDays: 180 },
  { id: "dependabot", path: ".github/dependabot.yml" },
  { id: "issue-templates", path: ".github/ISSUE_TEMPLATE/*" },
  { id: "pr-template", path: ".github/PULL_REQUEST_TEMPLATE.md" },
  { id: "gitignore", path: ".gitignore", contains: "\\S" },
  { id: "docs", path: "docs/**/*.md" },
  { id: "go-tests", path: "**/*_test.go" },
  { id: "js-tests", path: "**/*.test.js" },
  { id: "readme-fresh", path: "README.md", maxAgeDays: 365 },
];

interface Tree {
  name: string;
  dir: string;
  rules: Rule[];
}

function trees(): Tree[] {
  const out: Tree[] = [];
  if (!argv.includes("--no-synthetic")) out.push({ name: "synthetic", dir: ensureRepo(), rules: RULES });
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== "--tree") continue;
    const dir = resolve(argv[i + 1]!);
    out.push({ name: dir.split("/").pop()!, dir, rules: REAL_RULES });
  }
  return out;
}

/** The same checks three ways: readiness policy, floor rules, repolinter ruleset (files under bench/.cache). */
function writeRules(tree: Tree): { policy: string; rules: string; ruleset: string } {
  const base = join(CACHE, `cli-speed-${tree.name}`);
  mkdirSync(CACHE, { recursive: true });
  const lines = ["version: 1", "gate:", "  minScore: 80", "checks:"];
  const rulesetRules: Record<string, unknown> = {};
  for (const r of tree.rules) {
    const paths = [r.path];
    const parts = [`path: ${JSON.stringify(paths.length === 1 ? paths[0] : paths)}`];
    if (r.contains) parts.push(`contains: ${JSON.stringify(r.contains)}`);
    if (r.maxAgeDays) parts.push(`maxAgeDays: ${r.maxAgeDays}`);
    lines.push(`  ${r.id}:`, `    file: { ${parts.join(", ")} }`);
    // repolinter's content rule takes a JavaScript regex: (?i) becomes the i flag.
    const insensitive = r.contains?.startsWith("(?i)");
    rulesetRules[r.id] = {
      level: "error",
      rule: r.contains
        ? {
            type: "file-contents",
            options: {
              globsAll: paths,
              content: insensitive ? r.contains!.slice(4) : r.contains,
              flags: insensitive ? "mi" : "m",
              "fail-on-non-existent": true,
            },
          }
        : { type: "file-existence", options: { globsAny: paths } },
    };
  }
  writeFileSync(`${base}.readiness.yml`, `${lines.join("\n")}\n`);
  writeFileSync(
    `${base}.floor.json`,
    `${JSON.stringify(
      tree.rules.map((r) => ({
        ...r,
        ...(r.contains?.startsWith("(?i)") ? { contains: r.contains.slice(4) } : {}),
      })),
    )}\n`,
  );
  writeFileSync(
    `${base}.repolinter.json`,
    `${JSON.stringify({ $schema: "", version: 2, axioms: {}, rules: rulesetRules }, null, 2)}\n`,
  );
  return { policy: `${base}.readiness.yml`, rules: `${base}.floor.json`, ruleset: `${base}.repolinter.json` };
}

interface Tool {
  name: string;
  script: string;
  args: string[];
  outcome: (s: string) => Outcome | string;
}

interface Row {
  tree: string;
  files: number;
  commits: number;
  medians: Map<string, number>;
  p90s: Map<string, number>;
  cpu: Map<string, number>;
  rss: Map<string, number | null>;
  notes: string[];
}

async function benchTree(tree: Tree, cliProblem: string | null): Promise<Row> {
  const { policy, rules, ruleset } = writeRules(tree);
  const now = new Date().toISOString();
  const tools: Tool[] = [];
  const notes: string[] = [];
  const ours: Tool = {
    name: "readiness",
    script: CLI,
    args: ["check", tree.dir, "--policy", policy, "--format", "json", "--now", now],
    outcome: ourOutcome,
  };
  if (!cliProblem) {
    const probe = await measure(ours.script, ours.args);
    const parsed = ourOutcome(probe.stdout);
    if (![0, 1, 3].includes(probe.code ?? -1) || typeof parsed === "string")
      notes.push(`readiness not timed: exit ${probe.code} ${probe.stderr.split("\n")[0]}`);
    else tools.push(ours);
  } else notes.push(`readiness not timed: ${cliProblem}`);
  tools.push({
    name: "floor",
    script: join(ROOT, "bench/floor.mjs"),
    args: [tree.dir, rules, "--now", now],
    outcome: ourOutcome,
  });
  const theirs: Tool = {
    name: "repolinter",
    script: REPOLINTER_BIN,
    args: ["lint", tree.dir, "-r", ruleset, "-f", "json", "-d"],
    outcome: repolinterOutcome,
  };
  tools.push(theirs);
  for (const t of tools.slice(1)) await measure(t.script, t.args); // warm-up

  const files =
    execFileSync("git", ["ls-files"], { cwd: tree.dir, encoding: "utf8", maxBuffer: 1 << 28 }).split("\n")
      .length - 1;
  const commits = Number(
    execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: tree.dir, encoding: "utf8" }),
  );
  console.log(
    `\n## ${tree.name}: ${files.toLocaleString("en-US")} files, ${commits.toLocaleString("en-US")} commits, ${tree.rules.length} checks (${tree.rules.filter((r) => r.maxAgeDays).length} with maxAgeDays, ${tree.rules.filter((r) => r.contains).length} with contains)`,
  );
  for (const t of tools)
    console.log(`  ${t.name}: node ${relativeToRoot(t.script)} ${t.args.map(relativeToRoot).join(" ")}`);

  const runs = new Map<string, Run[]>(tools.map((t) => [t.name, []]));
  for (let i = 0; i < RUNS; i++) {
    // Rotate who goes first, so none always runs on a cache another just warmed.
    const order = tools.map((_, k) => tools[(k + i) % tools.length]!);
    for (const t of order) {
      const r = await measure(t.script, t.args);
      runs.get(t.name)!.push(r);
      process.stderr.write(
        `  ${tree.name} run ${i + 1} ${t.name}: ${ms(r.ms)}, ${mb(r.rssKb)}, exit ${r.code}\n`,
      );
    }
  }
  const row: Row = {
    tree: tree.name,
    files,
    commits,
    medians: new Map(),
    p90s: new Map(),
    cpu: new Map(),
    rss: new Map(),
    notes,
  };
  for (const t of tools) {
    const rs = runs.get(t.name)!;
    const times = rs.map((r) => r.ms);
    const rss = rs.map((r) => r.rssKb).filter((x): x is number => x !== null);
    const cpu = rs.map((r) => r.cpuMs).filter((x): x is number => x !== null);
    row.medians.set(t.name, median(times));
    row.p90s.set(t.name, p90(times));
    if (cpu.length) row.cpu.set(t.name, median(cpu));
    row.rss.set(t.name, rss.length ? Math.max(...rss) : null);
    console.log(
      `  ${t.name.padEnd(11)} median ${ms(median(times))}, p90 ${ms(p90(times))}, min ${ms(Math.min(...times))}, CPU median ${cpu.length ? ms(median(cpu)) : "n/a"}, peak RSS ${mb(rss.length ? Math.max(...rss) : null)}, exit ${rs[0]?.code}`,
    );
  }
  // Do the three agree? The floor on every check; repolinter on the checks without maxAgeDays (it has no freshness rule).
  const outs = new Map(tools.map((t) => [t.name, t.outcome(runs.get(t.name)![0]!.stdout)]));
  const mine = outs.get("readiness");
  if (mine && typeof mine !== "string") {
    for (const other of ["floor", "repolinter"]) {
      const o = outs.get(other);
      if (!o || typeof o === "string") {
        notes.push(`${other}: ${o ?? "no output"}`);
        continue;
      }
      const comparable = tree.rules.filter((r) => other === "floor" || !r.maxAgeDays);
      const differ = comparable.filter((r) => mine.get(r.id) !== o.get(r.id)).map((r) => r.id);
      const line = `readiness and ${other} agree on ${comparable.length - differ.length}/${comparable.length} checks${differ.length ? `; differ: ${differ.join(", ")}` : ""}`;
      console.log(`  ${line}`);
      if (differ.length) notes.push(line);
    }
  }
  for (const n of notes) console.log(`  note: ${n}`);
  return row;
}

const relativeToRoot = (s: string) => (s.startsWith(`${ROOT}/`) ? s.slice(ROOT.length + 1) : s);

async function main(): Promise<void> {
  ensureRepolinter();
  const notes: string[] = [];
  const cliProblem = prepareCli(notes);
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log("# readiness check against the floor and repolinter 0.12.0");
  console.log(
    `machine: ${platform()} ${release()}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), node ${process.version}`,
  );
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`load average before: ${load()} (1, 5, 15 min; the machine is shared)`);
  console.log(
    `runs: ${RUNS} of each tool per tree, rotating who goes first, after one warm-up each; wall from spawn to exit; CPU (user+system, git included) and peak RSS from ${TIME ? "/usr/bin/time -v" : "process.resourceUsage() in a preload"}`,
  );
  for (const n of notes) console.log(`note: ${n}`);

  const rows: Row[] = [];
  if (!argv.includes("--phases-only"))
    for (const tree of trees()) rows.push(await benchTree(tree, cliProblem));
  console.log(`\nload average after: ${load()}`);

  console.log(
    "\n| Tree | Files | Commits | readiness median (p90) | floor median (p90) | repolinter median | readiness ÷ floor | repolinter ÷ readiness | readiness CPU / floor CPU | peak RSS readiness / floor / repolinter |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const g = (m: Map<string, number>, k: string) => m.get(k);
    const a = g(r.medians, "readiness");
    const f = g(r.medians, "floor");
    const b = g(r.medians, "repolinter");
    const fmt = (x: number | undefined, p?: number) =>
      x === undefined ? "n/a" : `${ms(x)}${p === undefined ? "" : ` (${ms(p)})`}`;
    const ratio = (x?: number, y?: number) =>
      x === undefined || y === undefined ? "n/a" : `${(x / y).toFixed(2)}×`;
    console.log(
      `| ${r.tree} | ${r.files.toLocaleString("en-US")} | ${r.commits.toLocaleString("en-US")} | ${fmt(a, g(r.p90s, "readiness"))} | ${fmt(f, g(r.p90s, "floor"))} | ${fmt(b)} | ${ratio(a, f)} | ${ratio(b, a)} | ${fmt(g(r.cpu, "readiness"))} / ${fmt(g(r.cpu, "floor"))} | ${mb(r.rss.get("readiness") ?? null)} / ${mb(r.rss.get("floor") ?? null)} / ${mb(r.rss.get("repolinter") ?? null)} |`,
    );
  }
  console.log(
    "\nTargets: readiness median ≤ 1.25× the floor and below repolinter on every tree; peak RSS ≤ 80 MB on the synthetic tree.",
  );
  for (const r of rows) {
    const a = r.medians.get("readiness");
    const f = r.medians.get("floor");
    const b = r.medians.get("repolinter");
    if (a === undefined || f === undefined) continue;
    const x = a / f;
    const rss = r.rss.get("readiness");
    console.log(
      `  ${r.tree}: ${x <= 1.25 ? "met" : `MISSED (${x.toFixed(2)}×, ${ms(a - 1.25 * f)} over 1.25× the floor)`} against the floor; ${b !== undefined && a < b ? "met" : "MISSED"} against repolinter${r.tree === "synthetic" ? `; peak RSS ${mb(rss ?? null)}: ${rss !== undefined && rss !== null && rss <= 80 * 1024 ? "met" : "MISSED"}` : ""}`,
    );
  }

  if (argv.includes("--phases")) for (const tree of trees()) await providerPhases(tree);
  if (PROFILE && !cliProblem) {
    for (const tree of trees()) {
      const { policy } = writeRules(tree);
      await profileCli(tree.name, ["check", tree.dir, "--policy", policy, "--format", "json"]);
    }
  }
}

await main();
