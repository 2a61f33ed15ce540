// When paths last changed: one `git log` for all of them, read as it streams and stopped once every path is
// seen, or, for freshness limits, once it is far enough below the oldest window (see lastChanges).
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type GitFailure, type GitTrace, git, gitFailure } from "./git.js";

/**
 * A commit time, "never" (no commit touches the path), "shallow" (history is cut before the answer), or
 * with `window`, a bound: the path last changed at or before this date.
 */
export type LastChange = { time: Date } | { never: true } | { shallow: true } | { olderThan: Date };

export interface History {
  changes: Map<string, LastChange>;
  /** git was stopped before the end of history because every path had been seen. */
  stoppedEarly: boolean;
  /** Set when git failed; paths without an entry in `changes` could not be answered. */
  failure?: GitFailure;
}

/** "<hash> <committer time> <parent>...": SHA-1 or SHA-256 object names. */
const HEADER = /^[0-9a-f]{40,64} \d+( [0-9a-f]{40,64})* ?$/;

// Past this, paths go unnamed on the command line (limits on argument size) and are filtered here instead.
const PATHSPEC_BYTES = 64 * 1024;

/**
 * Streams `git log -z --name-only -c` (newest first) and records, per wanted path, the first commit that lists
 * it or a file below it. Walk order is git's default (by commit date), as `git log -1 -- <path>` uses.
 * `paths` are normalized, repository-relative, relative to `cwd` (git's --relative).
 */
export interface Window {
  /** Unix seconds: only whether each path changed at or after this matters (the oldest freshness cutoff). */
  cutoff: number;
}

/** Commits read below the window before paths not seen yet are taken as older than it (see lastChanges). */
export const BELOW = 2000;

/**
 * With `window`: the walk also stops once it has read BELOW commits dated before the cutoff, all of them
 * (and all after the first one) dated before it; paths not seen by then get `{ olderThan }` the oldest date
 * read. git's walk goes by date, so unless a commit further down is dated after the cutoff (back-dated
 * history under it), none of them changed inside the window. A commit dated at or after the cutoff met
 * after one before it (a back-dated or future-dated commit) turns that stop off: the walk then goes on as
 * without `window`, to the answers `git log -1 -- <path>` gives. Unchecked: such a commit more than BELOW
 * commits below the window. Costs the commits of the window plus BELOW, instead of all history when a path
 * has not changed for long.
 */
export async function lastChanges(
  cwd: string,
  paths: readonly string[],
  trace?: GitTrace,
  window?: Window,
): Promise<History> {
  const changes = new Map<string, LastChange>();
  const remaining = new Set(paths);
  if (remaining.size === 0) return { changes, stoppedEarly: false };
  // Paths first listed by a parentless commit: a true root commit, or the cut of a shallow clone.
  const atRoot = new Map<string, { hash: string; time: number }>();

  let pending: Buffer | null = null;
  let expectHeader = false;
  let firstName = false;
  let hash = "";
  let time = 0;
  let root = false;
  // Window: commits read dated before the cutoff since the first one; the oldest date read; stop allowed.
  let below = 0;
  let oldest = Number.POSITIVE_INFINITY;
  let orderly = window !== undefined;
  let bounded = false;

  const see = (name: string): void => {
    let p = name;
    for (;;) {
      if (remaining.has(p)) {
        remaining.delete(p);
        if (root) atRoot.set(p, { hash, time });
        else changes.set(p, { time: new Date(time * 1000) });
      }
      const slash = p.lastIndexOf("/");
      if (slash < 0) return;
      p = p.slice(0, slash);
    }
  };

  const token = (t: string): void => {
    if (t === "") {
      expectHeader = true;
      return;
    }
    // A merge's names (-c) follow an empty field after its header: a name where a header was expected.
    if (expectHeader && !HEADER.test(t)) {
      expectHeader = false;
      firstName = false;
      see(t);
      return;
    }
    if (expectHeader) {
      // "<hash> <committer time> <parent>..."
      const parts = t.split(" ");
      hash = parts[0] ?? "";
      time = Number(parts[1]);
      root = parts.length < 3 || parts[2] === "";
      if (window) {
        if (time < window.cutoff) below++;
        else if (below > 0) orderly = false;
        oldest = Math.min(oldest, time);
      }
      expectHeader = false;
      firstName = true;
      return;
    }
    // Names follow the header after a newline.
    see(firstName && t.startsWith("\n") ? t.slice(1) : t);
    firstName = false;
  };

  const onStdout = (chunk: Buffer): boolean => {
    const buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let nul = buf.indexOf(0, start); nul >= 0; nul = buf.indexOf(0, start)) {
      token(buf.toString("utf8", start, nul));
      start = nul + 1;
      if (remaining.size === 0) return true;
      if (orderly && below >= BELOW && expectHeader) {
        bounded = true;
        return true;
      }
    }
    pending = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    return false;
  };

  let bytes = 0;
  for (const p of paths) bytes += Buffer.byteLength(p) + 1;
  const pathspec = bytes <= PATHSPEC_BYTES ? ["--", ...paths] : [];
  const run = await git(
    cwd,
    [
      "--literal-pathspecs",
      "log",
      // With a window every commit of the walk is listed (touching the paths or not): its date counts.
      ...(window ? ["--sparse"] : []),
      "-z",
      "--format=%x00%H %ct %P",
      "--name-only",
      // A merge lists the paths it changed against every parent (both sides changed them and the merge
      // combined the two), as `git log -1 -- <path>` counts it; without this merges list nothing.
      "-c",
      "--no-renames",
      "--relative",
      "HEAD",
      ...pathspec,
    ],
    { trace, onStdout },
  );
  const failure = gitFailure(run);
  if (failure?.kind === "no-commits") {
    for (const p of paths) changes.set(p, { never: true });
    return { changes, stoppedEarly: false };
  }
  if (failure) return { changes, stoppedEarly: false, failure };

  if (bounded && atRoot.size === 0) {
    for (const p of remaining) changes.set(p, { olderThan: new Date((oldest - 1) * 1000) });
  } else if (atRoot.size > 0 || remaining.size > 0) {
    const cut = await shallowCommits(cwd, trace);
    for (const [p, c] of atRoot) {
      changes.set(p, cut.has(c.hash) ? { shallow: true } : { time: new Date(c.time * 1000) });
    }
    for (const p of remaining) {
      // Stopped below the window: the walk did not reach where these paths changed (or were cut off).
      if (bounded) changes.set(p, { olderThan: new Date((oldest - 1) * 1000) });
      else changes.set(p, cut.size > 0 ? { shallow: true } : { never: true });
    }
  }
  return { changes, stoppedEarly: run.stopped };
}

/** Commits where a shallow clone's history is cut (empty when it is not shallow). */
async function shallowCommits(cwd: string, trace?: GitTrace): Promise<Set<string>> {
  let file: string;
  // At the top of an ordinary checkout the answer is on disk; elsewhere (subdirectory, linked worktree,
  // submodule) git says where its directory is.
  const dotGit = await stat(join(cwd, ".git")).catch(() => null);
  if (dotGit?.isDirectory()) file = join(cwd, ".git", "shallow");
  else {
    const run = await git(cwd, ["rev-parse", "--git-path", "shallow"], { trace });
    if (run.code !== 0) return new Set();
    file = resolve(cwd, run.stdout.toString("utf8").trim());
  }
  try {
    const text = await readFile(file, "utf8");
    return new Set(text.split("\n").filter((l) => l.trim() !== ""));
  } catch {
    return new Set();
  }
}
