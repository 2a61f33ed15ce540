// The one place the local provider starts git: argument arrays (no shell), no optional locks, English messages.
import { spawn } from "node:child_process";

/** Called with git's arguments each time a git process is started; tests count processes with it. */
export type GitTrace = (args: readonly string[]) => void;

export interface GitRun {
  /** Exit code; null when the process was killed (by us, after reading enough) or never started. */
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** The process was stopped on purpose because the consumer had read enough. */
  stopped: boolean;
  spawnError?: NodeJS.ErrnoException;
}

export interface GitOptions {
  trace?: GitTrace | undefined;
  /** Streaming consumer; return true to stop git (it is killed). stdout is not kept when given. */
  onStdout?: (chunk: Buffer) => boolean | undefined;
}

// Global options first: user configuration must not change what we parse.
const GLOBAL = [
  "-c",
  "core.quotepath=off",
  "-c",
  "log.showSignature=false",
  "-c",
  "log.follow=false",
  "-c",
  "color.ui=false",
];

// Variables that tie git to some other repository (set inside git hooks, for one) would make it read
// outside the directory being evaluated.
const FOREIGN = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR"];

let env: NodeJS.ProcessEnv | undefined;
function gitEnv(): NodeJS.ProcessEnv {
  if (!env) {
    env = { ...process.env, GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C", LANGUAGE: "C", GIT_TERMINAL_PROMPT: "0" };
    for (const k of FOREIGN) delete env[k];
  }
  return env;
}

const STDERR_CAP = 16 * 1024;

/** Runs git in `cwd`; never rejects. */
export function git(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<GitRun> {
  const full = [...GLOBAL, ...args];
  opts.trace?.(args);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let stderr = "";
    let stopped = false;
    let failedReading = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("git", full, {
        cwd,
        env: gitEnv(),
        stdio: ["ignore", "pipe", "pipe"],
        windowsHide: true,
      });
    } catch (e) {
      resolve({
        code: null,
        stdout: Buffer.alloc(0),
        stderr: "",
        stopped,
        spawnError: e as NodeJS.ErrnoException,
      });
      return;
    }
    child.stdout!.on("data", (chunk: Buffer) => {
      if (stopped) return;
      if (!opts.onStdout) {
        chunks.push(chunk);
        return;
      }
      let enough: boolean | undefined;
      try {
        enough = opts.onStdout(chunk);
      } catch (e) {
        // Thrown inside an event handler it would take the process down; report it as git's failure.
        stderr = `fatal: reading git's output failed: ${e instanceof Error ? e.message : String(e)}`;
        failedReading = true;
        enough = true;
      }
      if (enough) {
        stopped = true;
        child.kill();
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      if (!failedReading && stderr.length < STDERR_CAP) stderr += chunk.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    child.on("close", (code) => {
      resolve({
        code: failedReading ? 128 : code,
        stdout: Buffer.concat(chunks),
        stderr,
        stopped: stopped && !failedReading,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

export type GitFailureKind = "no-git" | "not-a-checkout" | "no-commits" | "other";

export interface GitFailure {
  kind: GitFailureKind;
  message: string;
}

/** Why a git run failed, in words a user can act on; null when it succeeded. */
export function gitFailure(run: GitRun): GitFailure | null {
  if (run.spawnError) {
    if (run.spawnError.code === "ENOENT") {
      // ENOENT is also what spawn reports for a missing cwd.
      return {
        kind: "no-git",
        message: "git is not installed (or not on PATH), or the directory does not exist",
      };
    }
    return { kind: "other", message: `git could not be started: ${run.spawnError.message}` };
  }
  if (run.code === 0 || run.stopped) return null;
  const err = run.stderr.trim();
  if (/not a git repository/i.test(err)) return { kind: "not-a-checkout", message: "not a git checkout" };
  if (/does not have any commits yet|bad (default )?revision 'HEAD'|ambiguous argument 'HEAD'/i.test(err)) {
    return { kind: "no-commits", message: "the repository has no commits yet" };
  }
  if (/dubious ownership/i.test(err)) {
    return {
      kind: "other",
      message:
        "git refuses a repository owned by another user (dubious ownership): run git config --global --add safe.directory <dir>",
    };
  }
  const first = err.split("\n").find((l) => l.trim() !== "") ?? `exit code ${run.code}`;
  return { kind: "other", message: `git failed: ${first.replace(/^(fatal|error): /, "")}` };
}
