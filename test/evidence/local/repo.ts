// Real git repositories in temp folders, with commits dated as the test says.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// Discovery must stop at the temp folder: a "non-git" directory must not be found inside some other checkout.
process.env.GIT_CEILING_DIRECTORIES = realpathSync(tmpdir());

const created: string[] = [];

export function tempDir(prefix = "rg-local-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
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

const CONFIG = [
  "-c",
  "user.name=Test",
  "-c",
  "user.email=test@example.com",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
];

export function git(dir: string, args: string[], date?: string): string {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1" };
  if (date) Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return execFileSync("git", [...CONFIG, ...args], { cwd: dir, env, encoding: "utf8" });
}

export function initRepo(dir: string = tempDir()): string {
  git(dir, ["init", "-q"]);
  return dir;
}

/** Writes the files, stages everything and commits at `date` (ISO). */
export function commit(
  dir: string,
  date: string,
  files: Record<string, string> = {},
  message = `at ${date}`,
): void {
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "--allow-empty", "-m", message], date);
}
