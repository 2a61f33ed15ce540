// An independent oracle for `file` checks on real clones: generates file checks from each repository's own
// tree (literal paths, missing paths, globs of several shapes, lists; `minBytes`, `contains`, `maxAgeDays`,
// `every`), answers each with plain tools that share no code with the engine (`git ls-files`, picomatch with
// `dot: true`, `git log -1 --format=%cI -- <path>` per path, `fs.stat`, a JavaScript RegExp with the `m` flag)
// and compares the verdict and credit with `readiness check <clone> --format json` on the same clone at the
// same `--now`. Prints agreements and every difference.
//
//   npx tsx bench/oracle.ts [--checks 150] [--seed 1] [--now ISO] CLONE...
//
// A clone must be a clean checkout (untracked files would be seen by the engine, not by `git ls-files`).
// `--now` defaults to one day after each clone's HEAD commit, so ages are those of the history, not of the day
// the script runs. Not run in CI: it needs clones of real repositories (see docs/verification.md).
//
// Where the engine stops on purpose, the oracle says so instead of counting a difference: a glob whose
// content checks would read more than MAX_READS_PER_ENTRY files, or a file larger than MAX_CONTENT_BYTES,
// may be `unknown` by design (counted as "unknown by design").
import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import picomatch from "picomatch";
import { main } from "../src/cli/main.js";

const READ_CAP = 50; // MAX_READS_PER_ENTRY in src/checks/file.ts
const CONTENT_CAP = 1024 * 1024; // MAX_CONTENT_BYTES in src/evidence/types.ts
const DAY = 86_400_000;
/** Globs with an age limit matching more files than this lose the limit (one `git log` per path). */
const AGE_MATCHES_MAX = 60;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const CHECKS = Number(arg("checks", "150"));
const SEED = Number(arg("seed", "1"));
const NOW_ARG = arg("now", "");
const clones = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
if (clones.length === 0) {
  console.error("usage: npx tsx bench/oracle.ts [--checks 150] [--seed 1] [--now ISO] CLONE...");
  process.exit(2);
}

/** mulberry32: a small seeded generator, so a run can be repeated. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

const git = (dir: string, args: string[]) =>
  execFileSync("git", ["-c", "core.quotepath=off", ...args], {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });

interface Check {
  path: string | string[];
  minBytes?: number;
  contains?: string;
  maxAgeDays?: number;
  every?: boolean;
}

const escapeRe = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
const escapeGlob = (s: string) => s.replace(/[*?[\]{}()!+@\\]/g, "\\$&");
const isGlob = (s: string) => /[*?[\]{}()!+@]/.test(s);

class Repo {
  readonly files: string[];
  readonly set: Set<string>;
  private readonly sizes = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  private readonly dates = new Map<string, number | null>();
  readonly matchCache = new Map<string, string[]>();
  ageLookups = 0;
  constructor(readonly dir: string) {
    this.files = git(dir, ["ls-files", "-z"]).split("\0").filter(Boolean);
    this.set = new Set(this.files);
  }
  match(entry: string): string[] {
    let hit = this.matchCache.get(entry);
    if (!hit) {
      if (!isGlob(entry)) hit = this.set.has(entry) ? [entry] : [];
      else {
        const m = picomatch(entry, { dot: true });
        hit = this.files.filter((f) => m(f));
      }
      this.matchCache.set(entry, hit);
    }
    return hit;
  }
  size(p: string): number {
    let s = this.sizes.get(p);
    if (s === undefined) {
      s = lstatSync(join(this.dir, p)).size;
      this.sizes.set(p, s);
    }
    return s;
  }
  text(p: string): string {
    let t = this.texts.get(p);
    if (t === undefined) {
      // A symbolic link's text is its target, as git stores it (its blob).
      const file = join(this.dir, p);
      t = lstatSync(file).isSymbolicLink() ? readlinkSync(file) : readFileSync(file, "utf8");
      this.texts.set(p, t);
    }
    return t;
  }
  /** Committer date of the last commit touching the path, as `git log -1` gives it. */
  date(p: string): number | null {
    if (!this.dates.has(p)) {
      this.ageLookups++;
      const out = git(this.dir, ["log", "-1", "--format=%cI", "--", p]).trim();
      this.dates.set(p, out ? Date.parse(out) : null);
    }
    return this.dates.get(p)!;
  }
}

/** Checks drawn from the repository's own tree, so most globs match something and many conditions are close calls. */
function generate(repo: Repo, n: number, r: ReturnType<typeof rng>): Check[] {
  const files = repo.files;
  const someFile = () => r.pick(files);
  const dirOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
  const extOf = (p: string) => {
    const base = p.slice(p.lastIndexOf("/") + 1);
    return base.includes(".", 1) ? base.slice(base.lastIndexOf(".") + 1) : "";
  };
  const entry = (): string => {
    const f = someFile();
    const dir = dirOf(f);
    const ext = extOf(f);
    const base = f.slice(f.lastIndexOf("/") + 1);
    const top = f.split("/")[0]!;
    const shapes: (() => string | null)[] = [
      () => f,
      () => f,
      () => `${f}.missing`,
      () => (dir ? dir : null), // a directory is not a file
      () => (ext ? `${dir ? `${escapeGlob(dir)}/` : ""}*.${ext}` : null),
      () => (ext && dir ? `${escapeGlob(top)}/**/*.${ext}` : null),
      () => `**/${escapeGlob(base)}`,
      () => (ext ? `*.${ext}` : null),
      () => (dir ? `${escapeGlob(dir)}/**` : null),
      () => `{${escapeGlob(base)},${escapeGlob(f)}}`,
      () =>
        base.length > 2 ? `${dir ? `${escapeGlob(dir)}/` : ""}${escapeGlob(base.slice(0, -2))}??` : null,
      () => (ext ? `**/*.{${ext},md}` : null),
      () => `${escapeGlob(top)}/**/[A-Z]*`,
      () => "**/.*",
      () => "**/*.nonexistent-ext",
    ];
    for (;;) {
      const e = r.pick(shapes)();
      if (e) return e;
    }
  };
  const checks: Check[] = [];
  while (checks.length < n) {
    const path = r.chance(0.2) ? [entry(), entry()] : entry();
    const entries = Array.isArray(path) ? path : [path];
    const matched = entries.flatMap((e) => repo.match(e));
    const sample = matched.length ? r.pick(matched) : someFile();
    const c: Check = { path };
    if (r.chance(0.35)) {
      const size = repo.size(sample);
      c.minBytes = r.pick([1, 100, 10_000, size, size + 1, Math.max(0, size - 1)]);
    }
    if (r.chance(0.35)) {
      const words =
        repo
          .text(sample)
          .slice(0, 20_000)
          .match(/[A-Za-z_]{5,}/g) ?? [];
      c.contains =
        r.chance(0.7) && words.length
          ? escapeRe(r.pick(words))
          : r.pick(["^# ", "TODO", "Copyright", "\\d+\\.\\d+\\.\\d+", "^$"]);
    }
    if (r.chance(0.4) && matched.length <= AGE_MATCHES_MAX)
      c.maxAgeDays = r.pick([1, 7, 30, 90, 365, 1000, 3650]);
    if (r.chance(0.15) && entries.some(isGlob) && (c.minBytes !== undefined || c.contains !== undefined))
      c.every = true;
    checks.push(c);
  }
  return checks;
}

type Verdict = { status: "pass" | "fail"; credit: number; byDesign: boolean; why: string };

function oracle(repo: Repo, c: Check, now: number): Verdict {
  const entries = Array.isArray(c.path) ? c.path : [c.path];
  let ok = 0;
  let byDesign = false;
  const why: string[] = [];
  const re = c.contains !== undefined ? new RegExp(c.contains, "m") : null;
  for (const e of entries) {
    const matches = repo.match(e);
    if (matches.length === 0) {
      why.push(`${e}: no match`);
      continue;
    }
    const reads = re !== null || c.minBytes !== undefined;
    if (reads && matches.length > READ_CAP) byDesign = true;
    const qualifies = (p: string): boolean => {
      if (c.minBytes !== undefined) {
        if (repo.size(p) >= CONTENT_CAP) byDesign = true;
        if (repo.size(p) < c.minBytes) return false;
      }
      if (re) {
        if (repo.size(p) >= CONTENT_CAP) byDesign = true;
        if (!re.test(repo.text(p))) return false;
      }
      if (c.maxAgeDays !== undefined) {
        const d = repo.date(p);
        if (d === null || d - now > 60_000 || now - d > c.maxAgeDays * DAY) return false;
      }
      return true;
    };
    const good = c.every ? matches.every(qualifies) : matches.some(qualifies);
    if (good) ok++;
    else why.push(`${e}: ${matches.length} matches, ${c.every ? "not every one" : "none"} qualifies`);
  }
  return {
    status: ok === entries.length ? "pass" : "fail",
    credit: ok === entries.length ? 1 : ok / entries.length,
    byDesign,
    why: why.join("; "),
  };
}

function policyYaml(checks: Check[]): string {
  const lines = ["version: 1", "gate:", "  minScore: 0", "checks:"];
  checks.forEach((c, i) => {
    const file: Record<string, unknown> = { path: c.path };
    for (const k of ["minBytes", "contains", "maxAgeDays", "every"] as const)
      if (c[k] !== undefined) file[k] = c[k];
    lines.push(`  o${i}:`, `    file: ${JSON.stringify(file)}`);
  });
  return `${lines.join("\n")}\n`;
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _e: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

async function engine(dir: string, checks: Check[], nowIso: string) {
  const scratch = mkdtempSync(join(tmpdir(), "rg-oracle-"));
  try {
    const policy = join(scratch, "policy.yml");
    writeFileSync(policy, policyYaml(checks));
    const stdout = new Capture();
    const stderr = new Capture();
    const started = performance.now();
    const code = await main(["check", dir, "--policy", policy, "--now", nowIso, "--format", "json"], {
      stdout,
      stderr,
      env: {},
      cwd: dir,
    } as unknown as Parameters<typeof main>[1]);
    const ms = performance.now() - started;
    if (!stdout.text.trim()) throw new Error(`engine gave no report (exit ${code}): ${stderr.text}`);
    const report = JSON.parse(stdout.text) as {
      checks: { id: string; status: string; credit: number; summary: string }[];
    };
    return { byId: new Map(report.checks.map((c) => [c.id, c])), ms };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

let totalCompared = 0;
let totalDifferences = 0;
for (const [n, clone] of clones.entries()) {
  const dir = resolve(clone);
  const repo = new Repo(dir);
  const head = git(dir, ["log", "-1", "--format=%H %cI"]).trim().split(" ");
  const nowIso = NOW_ARG || new Date(Date.parse(head[1]!) + DAY).toISOString();
  const now = Date.parse(nowIso);
  const checks = generate(repo, CHECKS, rng(SEED + n));
  const started = performance.now();
  const expected = checks.map((c) => oracle(repo, c, now));
  const oracleMs = performance.now() - started;
  const { byId, ms } = await engine(dir, checks, nowIso);
  let agree = 0;
  let byDesign = 0;
  const differences: string[] = [];
  checks.forEach((c, i) => {
    const want = expected[i]!;
    const got = byId.get(`o${i}`);
    if (got && got.status === want.status && got.credit === want.credit) agree++;
    // An entry past the read cap is unknown to the engine: the check is unknown, or (another entry failing)
    // fails with that entry's share of credit missing.
    else if (
      got &&
      want.byDesign &&
      (got.status === "unknown" || (got.status === want.status && got.credit <= want.credit))
    )
      byDesign++;
    else
      differences.push(
        `  o${i} ${JSON.stringify(c)}\n    oracle: ${want.status} ${want.credit} ${want.why}\n    engine: ${got?.status} ${got?.credit} ${got?.summary}`,
      );
  });
  const counts = (s: string) => expected.filter((v) => v.status === s).length;
  console.log(
    `${clone} @ ${head[0]!.slice(0, 12)} (${repo.files.length} files), now ${nowIso}, seed ${SEED + n}: ` +
      `${checks.length} checks (oracle: ${counts("pass")} pass, ${counts("fail")} fail), ${agree} agree, ` +
      `${byDesign} unknown by design, ${differences.length} differ; engine ${Math.round(ms)} ms, oracle ${Math.round(oracleMs)} ms (${repo.ageLookups} git log look-ups)`,
  );
  for (const d of differences) console.log(d);
  totalCompared += checks.length;
  totalDifferences += differences.length;
}
console.log(`oracle: ${totalCompared} checks on ${clones.length} clones, ${totalDifferences} differences`);
process.exitCode = totalDifferences > 0 ? 1 : 0;
