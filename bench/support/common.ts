// What every bench script shares: the machine it ran on, arguments, percentiles, waiting for a quiet
// machine, rebuilding dist/ when src/ is newer, and writing a script's section of docs/performance.md.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const DOC = join(ROOT, "docs/performance.md");

// ------------------------------------------------------------------ arguments

export function args(argv = process.argv.slice(2)) {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    has: (name: string) => argv.includes(name),
    str: (name: string, fallback: string) => value(name) ?? fallback,
    num(name: string, fallback: number): number {
      const raw = value(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} wants a positive number, got "${raw}"`);
      return n;
    },
  };
}

/** The command as typed, for the doc: `npx tsx bench/<script>.ts <args>`. */
export function commandLine(script: string): string {
  return ["npx tsx", `bench/${script}`, ...process.argv.slice(2)].join(" ");
}

// ------------------------------------------------------------------ the machine

export interface Machine {
  date: string;
  /** The commit measured, and how many files under src/ differed from it (others work in this checkout). */
  source: string;
  os: string;
  cpus: string;
  memory: string;
  node: string;
}

export function machine(): Machine {
  const c = cpus();
  const git = (argv: string[]) => spawnSync("git", argv, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  const dirty = git(["status", "--porcelain", "--", "src"]).split("\n").filter(Boolean).length;
  return {
    date: new Date().toISOString(),
    source: `commit ${git(["rev-parse", "--short", "HEAD"])}${dirty ? ` with ${dirty} uncommitted file${dirty === 1 ? "" : "s"} under src/ (colleagues' work in progress)` : ", src/ clean"}`,
    os: `${platform()} ${release()}`,
    cpus: `${c.length} × ${c[0]?.model.trim() ?? "unknown CPU"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
  };
}

export const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/**
 * The machine is shared: wait until the 1-minute load average is under `threshold`, polling every 15 s for
 * at most `maxSeconds`. Returns the load seen when it started; says so (and goes on) when it never got there.
 */
export async function waitForQuiet(threshold: number, maxSeconds: number): Promise<string> {
  const end = Date.now() + maxSeconds * 1000;
  for (;;) {
    const one = loadavg()[0] ?? 0;
    if (one < threshold) return load();
    if (Date.now() > end) {
      process.stderr.write(`load still ${load()} after ${maxSeconds} s; measuring anyway\n`);
      return load();
    }
    process.stderr.write(`waiting for a quiet machine: load ${load()} (want 1-min < ${threshold})\n`);
    await sleep(15_000);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ figures

/** Nearest-rank percentile: the smallest value with at least p% of the samples at or below it. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1]!;
}

export const median = (xs: readonly number[]) => percentile(xs, 50);
export const ms = (x: number, digits = 1) => `${x.toFixed(digits)} ms`;
export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

// ------------------------------------------------------------------ dist/

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The built server is what runs in production: rebuild dist/ when src/ is newer. tsc still emits when a
 * module elsewhere has a type error (others work in this checkout), so a failed build that emitted goes on,
 * with a note.
 */
export function ensureBuilt(notes: string[]): void {
  const main = join(ROOT, "dist/app/main.js");
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  process.stderr.write("dist/ is older than src/: npm run build…\n");
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) {
    const first = `${r.stdout}${r.stderr}`.split("\n").find((l) => /error TS/.test(l)) ?? "failed";
    if (!existsSync(main) || statSync(main).mtimeMs < Date.now() - 120_000)
      throw new Error(`npm run build failed and emitted nothing: ${first}`);
    notes.push(`npm run build reported type errors elsewhere (${first.trim()}); measured what tsc emitted`);
  }
}

// ------------------------------------------------------------------ docs/performance.md

const HEADER = `# Performance

Figures printed by the scripts in \`bench/\` (see \`bench/README.md\`), copied with the date, the machine and the
exact command. Each script rewrites its own section; nothing here is estimated. The machine is shared with
other engineers' test runs, so each section says how loaded it was.
`;

/**
 * Replaces the section between \`<!-- bench:<id> -->\` and \`<!-- /bench:<id> -->\`, or appends it. Other
 * sections (the CLI against repolinter among them) are left as they are.
 */
export function writeSection(id: string, markdown: string): void {
  const open = `<!-- bench:${id} -->`;
  const close = `<!-- /bench:${id} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  let text = existsSync(DOC) ? readFileSync(DOC, "utf8") : HEADER;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a >= 0 && b > a) text = `${text.slice(0, a)}${block}${text.slice(b + close.length)}`;
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, text);
  process.stderr.write(`wrote the "${id}" section of docs/performance.md\n`);
}

/** The lines every section starts with: when, where, how loaded, and the command. */
export function provenance(m: Machine, command: string, loadBefore: string, loadAfter: string): string {
  return [
    `- Date: ${m.date}`,
    `- Machine: ${m.os}, ${m.cpus}, ${m.memory}, Node ${m.node}`,
    `- Source measured: ${m.source}`,
    `- Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter} (shared machine)`,
    `- Command: \`${command}\``,
  ].join("\n");
}
