// When paths last changed: one `git log` for all of them, read as it streams and stopped once every path is seen.
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type GitFailure, type GitTrace, git, gitFailure } from "./git.js";

/** A commit time, "never" (no commit touches the path) or "shallow" (history is cut before the answer). */
export type LastChange = { time: Date } | { never: true } | { shallow: true };

export interface History {
  changes: Map<string, LastChange>;
  /** git was stopped before the end of history because every path had been seen. */
  stoppedEarly: boolean;
  /** Set when git failed; paths without an entry in `changes` could not be answered. */
  failure?: GitFailure;
}

// Past this, paths go unnamed on the command line (limits on argument size) and are filtered here instead.
const PATHSPEC_BYTES = 64 * 1024;

/**
 * Streams `git log -z --name-only` (newest first) and records, per wanted path, the first commit that lists
 * it or a file below it. Walk order is git's default (by commit date), as `git log -1 -- <path>` uses.
 * `paths` are normalized, repository-relative, relative to `cwd` (git's --relative).
 */
export async function lastChanges(cwd: string, paths: readonly string[], trace?: GitTrace): Promise<History> {
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
    if (expectHeader) {
      // "<hash> <committer time> <parent>..."
      const parts = t.split(" ");
      hash = parts[0] ?? "";
      time = Number(parts[1]);
      root = parts.length < 3 || parts[2] === "";
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
      "-z",
      "--format=%x00%H %ct %P",
      "--name-only",
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

  if (atRoot.size > 0 || remaining.size > 0) {
    const cut = await shallowCommits(cwd, trace);
    for (const [p, c] of atRoot) {
      changes.set(p, cut.has(c.hash) ? { shallow: true } : { time: new Date(c.time * 1000) });
    }
    for (const p of remaining) changes.set(p, cut.size > 0 ? { shallow: true } : { never: true });
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

/** What a windowed need gets: an exact date when the window shows it cheaply, else a bound. */
export type WindowAnswer = { time: Date } | { olderThan: Date };

export interface WindowResult {
  /** Keyed by `${path}\0${days}`; absent: the window could not settle it (ask `lastChanges`). */
  answers: Map<string, WindowAnswer>;
  /** Why the window method was not used at all, for tests and diagnostics; undefined when it was. */
  fallback?: string;
}

export const windowKey = (path: string, days: number): string => `${path}\u0000${days}`;

/** Commits read below the window (dates checked, exact dates for stale paths). */
const BELOW = 2000;

interface Commit {
  time: number;
  parents: string[];
}

interface Walk {
  /** Every commit git's walk met (`--sparse`: also those that do not touch the paths), in walk order. */
  commits: Map<string, Commit>;
  /** Committer time of each path's first change in walk order (a directory: of anything below it). */
  first: Map<string, number>;
  failed: boolean;
}

/** One `git log --sparse --name-only` over `revs`: the commits git's walk for these paths meets, and their changes. */
async function walkLog(
  cwd: string,
  paths: readonly string[],
  revs: string[],
  trace?: GitTrace,
): Promise<Walk> {
  const commits = new Map<string, Commit>();
  const first = new Map<string, number>();
  const wanted = new Set(paths);
  let time = 0;
  let header = false;
  let firstName = false;
  let pending: Buffer | null = null;
  const token = (t: string): void => {
    if (t === "") {
      header = true;
      return;
    }
    if (header) {
      const [hash = "", ct = "0", ...parents] = t.split(" ");
      time = Number(ct);
      commits.set(hash, { time, parents: parents.filter((x) => x !== "") });
      header = false;
      firstName = true;
      return;
    }
    let p = firstName && t.startsWith("\n") ? t.slice(1) : t;
    firstName = false;
    for (;;) {
      if (wanted.has(p) && !first.has(p)) first.set(p, time);
      const slash = p.lastIndexOf("/");
      if (slash < 0) break;
      p = p.slice(0, slash);
    }
  };
  const onStdout = (chunk: Buffer): boolean => {
    const buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let nul = buf.indexOf(0, start); nul >= 0; nul = buf.indexOf(0, start)) {
      token(buf.toString("utf8", start, nul));
      start = nul + 1;
    }
    pending = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    return false;
  };
  let bytes = 0;
  for (const p of paths) bytes += Buffer.byteLength(p) + 1;
  if (bytes > PATHSPEC_BYTES) return { commits, first, failed: true };
  const run = await git(
    cwd,
    [
      "--literal-pathspecs",
      "log",
      "--sparse",
      "-z",
      "--format=%x00%H %ct %P",
      "--name-only",
      "--no-renames",
      "--relative",
      ...revs,
      "--",
      ...paths,
    ],
    { trace, onStdout },
  );
  return { commits, first, failed: run.code !== 0 };
}

/**
 * "Changed within N days?" for many paths without walking all of history. `cutoffs` are unix seconds per
 * limit (days → the oldest committer time that still counts as inside). For the oldest cutoff c:
 *   B = `git rev-list -1 --before=c-1 HEAD`, the commit git's date-ordered walk meets first below the window;
 *   `git log --sparse --name-only B..HEAD -- paths`: the commits git's walk for these paths meets in the
 *   range, with dates and parents, and each path's first change in walk order;
 *   the same for the first BELOW commits of B's history.
 * This equals `git log -1 -- path` as long as no commit dated below a cutoff has a parent dated at or above
 * it (then git's walk meets every commit inside a window before any outside it). Where a commit read breaks
 * that (back-dated history, a future-dated commit), or the range reaches a root or a shallow cut, the
 * answer is left to the exact walk (`fallback`). Unchecked: a commit more than BELOW commits below the
 * window dated inside it.
 */
export async function windowedChanges(
  cwd: string,
  needs: readonly { path: string; days: number }[],
  cutoffs: ReadonlyMap<number, number>,
  trace?: GitTrace,
): Promise<WindowResult> {
  const answers = new Map<string, WindowAnswer>();
  const oldest = Math.min(...cutoffs.values());
  const base = await git(cwd, ["rev-list", "-1", `--before=@${oldest - 1}`, "HEAD"], { trace });
  const b = base.stdout.toString("utf8").trim();
  if (base.code !== 0) return { answers, fallback: "no HEAD" };
  if (b === "") return { answers, fallback: "the whole history lies inside the window" };
  const paths = [...new Set(needs.map((n) => n.path))];
  const [range, below, tree, cut] = await Promise.all([
    walkLog(cwd, paths, [`${b}..HEAD`], trace),
    walkLog(cwd, paths, ["-n", String(BELOW), b], trace),
    git(cwd, ["--literal-pathspecs", "ls-tree", "-z", "--name-only", b, "--", ...paths], { trace }),
    shallowCommits(cwd, trace),
  ]);
  if (range.failed || below.failed || tree.code !== 0) return { answers, fallback: "git failed" };
  // The dates git's walk order depends on: see the function comment.
  for (const c of below.commits.values())
    if (c.time >= oldest) return { answers, fallback: "a commit below the window is dated inside it" };
  for (const [hash, c] of range.commits) {
    if (c.parents.length === 0 || cut.has(hash))
      return { answers, fallback: "the range reaches a root or shallow cut" };
    for (const cutoff of cutoffs.values()) {
      if (c.time >= cutoff) continue;
      for (const p of c.parents) {
        const t = (range.commits.get(p) ?? below.commits.get(p))?.time;
        if (t !== undefined && t >= cutoff)
          return { answers, fallback: "a commit is dated before its parent" };
      }
    }
  }
  // A shallow cut lists every file as added there: no dates from below it.
  const belowDates = ![...below.commits.keys()].some((h) => cut.has(h));
  // Untouched in what was read below B: older than the last commit read (git's walk goes by date).
  let edge = oldest;
  if (belowDates) for (const c of below.commits.values()) edge = Math.min(edge, c.time);
  const inB = new Set(
    tree.stdout
      .toString("utf8")
      .split("\0")
      .filter((p) => p !== ""),
  );
  for (const n of needs) {
    const key = windowKey(n.path, n.days);
    const t = range.first.get(n.path);
    // At or above the oldest cutoff, the range's first change is git log's (nothing below B comes first).
    if (t !== undefined && t >= oldest) answers.set(key, { time: new Date(t * 1000) });
    else if (t === undefined && inB.has(n.path)) {
      // Unchanged in the range and in B: last changed at or before B, below every cutoff. A report names the
      // newest of a glob's stale files with its age: exact when it changed in the commits read below B.
      const u = belowDates ? below.first.get(n.path) : undefined;
      answers.set(
        key,
        u !== undefined && u < oldest
          ? { time: new Date(u * 1000) }
          : { olderThan: new Date((edge - 1) * 1000) },
      );
    }
    // Else (absent from B: never committed, or deleted before B; or changed only by a commit of the range
    // dated below the window): left to the exact walk.
  }
  return { answers };
}
