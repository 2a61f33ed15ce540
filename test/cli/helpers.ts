// Runs main() in-process with captured streams, against real git repositories in temp folders.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { main } from "../../src/cli/main.js";

// Git discovery stops at the temp folder, so a "plain directory" is never found inside another checkout.
process.env.GIT_CEILING_DIRECTORIES = realpathSync(tmpdir());

const created: string[] = [];

export function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "rg-cli-")));
  created.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function write(dir: string, rel: string, text: string): void {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export function git(dir: string, args: string[], date?: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  if (date) Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  const config = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"];
  return execFileSync("git", [...config, ...args], { cwd: dir, env, encoding: "utf8" });
}

/** A checkout with `files` committed at `date`; returns its path. */
export function repo(files: Record<string, string>, date = "2025-01-01T00:00:00Z"): string {
  const dir = tempDir();
  git(dir, ["init", "-q", "-b", "main"]);
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", "initial"], date);
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = "";
  constructor(readonly isTTY?: boolean) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

export async function cli(
  argv: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; tty?: boolean },
): Promise<Run> {
  const stdout = new Capture(opts.tty);
  const stderr = new Capture();
  const code = await main(argv, { stdout, stderr, env: opts.env ?? {}, cwd: opts.cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export const README = `# Demo\n\n## Quickstart\n\n${"Words. ".repeat(50)}\n`;

/** A small policy: a README that must exist, and a runbook reviewed within 30 days. */
export const POLICY = `version: 1
gate:
  minScore: 80
categories:
  docs: { title: Documentation, weight: 2 }
checks:
  readme:
    title: README present
    category: docs
    required: true
    fix: Write a README.md
    file: { path: README.md, minBytes: 100 }
  runbook:
    title: Runbook fresh
    category: docs
    required: true
    fix: Review docs/runbook.md
    file: { path: docs/runbook.md, maxAgeDays: 30 }
`;
