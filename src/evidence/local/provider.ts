// Evidence from a directory on disk: the file list (git's view when it is a checkout), file contents and,
// from git history, when paths last changed. Everything else is only known to GitHub and comes back unknown.
import { constants } from "node:fs";
import { open, readFile, realpath, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { FileIndex } from "../file-index.js";
import {
  type ChangeBound,
  type EvidenceProvider,
  type Fact,
  GITHUB_ONLY,
  known,
  MAX_CONTENT_BYTES,
  type Need,
  type NeedOf,
  needKey,
  type Target,
  unknown,
  type WorkflowChanges,
} from "../types.js";
import { type GitFailure, type GitTrace, git, gitFailure } from "./git.js";
import { lastChanges } from "./history.js";
import { lexicalProblem, normalizeRelative, resolveInside } from "./paths.js";
import { walkTree } from "./walk.js";

export interface LocalOptions {
  /** false: never run git (plain directory walk, no history). Default true. */
  git?: boolean;
  /** Sees the arguments of every git process started; for tests and diagnostics. */
  trace?: GitTrace;
  /**
   * The evaluation's clock. Given, needs with `within` are settled by window (history.ts windowedChanges)
   * instead of walking history for each path's date; absent, every lastChanged gets its exact date.
   */
  now?: () => Date;
}

/** Why a need that only GitHub can answer has no local answer. */
export function githubOnlyReason(need: Need): string {
  const what: Record<string, string> = {
    workflowRuns: "workflow runs are",
    checkRuns: "check runs are",
    statuses: "commit statuses are",
    artifactFile: "workflow artifacts are",
    release: "releases are",
    branchRules: "branch protection and rulesets are",
    alerts: `${need.type === "alerts" ? need.source : ""} alerts are`,
    pullRequest: "pull requests are",
    ledger: "waivers and sign-offs in pull request comments are",
    teamMembers: "team members are",
  };
  return `${what[need.type] ?? `"${need.type}" evidence is`} ${GITHUB_ONLY}`;
}

interface Listing {
  fact: Fact<FileIndex>;
  /** Present, not ignored, never added to git: they have no history, so no log walk is needed for them. */
  untracked: ReadonlySet<string>;
}

const CONTENT_CONCURRENCY = 16;

// The index brings the glob engine (re2js, a quarter of the CLI's code): loaded once git has been started,
// so its compiling overlaps git's listing instead of delaying it.
const fileIndex = () => import("../file-index.js").then((m) => m.FileIndex);
/** A checkout's files are at hand: a glob's every file is read up to this many (a secret scan over src/**). */
export const LOCAL_READS = 5_000;
const DAY_MS = 86_400_000;

export class LocalEvidence implements EvidenceProvider {
  readonly name = "local checkout";
  private readonly dir: string;
  private readonly useGit: boolean;
  private readonly trace: GitTrace | undefined;
  private readonly now: (() => Date) | undefined;
  private root?: Promise<string | null>;
  private listing?: Promise<Listing>;
  private listed?: Listing;

  constructor(dir: string, opts: LocalOptions = {}) {
    this.dir = resolve(dir);
    this.useGit = opts.git !== false;
    this.trace = opts.trace;
    this.now = opts.now;
  }

  /**
   * Starts listing files now, in git's own processes, so a caller can overlap it with its own work
   * (reading the policy); the next collect of `files` takes the result. Optional; never throws.
   */
  prefetch(): void {
    void this.files();
  }

  async collect(needs: Need[], target: Target): Promise<Map<string, Fact<unknown>>> {
    const out = new Map<string, Fact<unknown>>();
    try {
      await this.answer(needs, out, target);
    } catch (e) {
      // A bug here must cost credit, not the run.
      const reason = `the local checkout could not be read: ${e instanceof Error ? e.message : String(e)}`;
      for (const need of needs) if (!out.has(needKey(need))) out.set(needKey(need), unknown(reason));
    }
    return out;
  }

  private async answer(needs: Need[], out: Map<string, Fact<unknown>>, target: Target): Promise<void> {
    const contents: string[] = [];
    const ages: string[] = [];
    const windowed: NeedOf<"lastChanged">[] = [];
    const jobs: Promise<void>[] = [];
    let files = false;
    for (const need of needs) {
      switch (need.type) {
        case "files":
          files = true;
          break;
        case "content":
          contents.push(need.path);
          break;
        case "lastChanged":
          // A need with `within` is settled by window where that is exact and cheaper, else it gets the
          // path's exact date.
          if (need.within !== undefined) windowed.push(need);
          else ages.push(need.path);
          break;
        case "workflowChanges":
          jobs.push(
            this.workflowChanges(target).then((f) => {
              out.set(needKey(need), f);
            }),
          );
          break;
        case "reviewedContent":
          // A checkout is what it is: its working tree is the reviewed state as far as this run can tell.
          jobs.push(
            this.rootDir().then(async (root) => {
              const fact =
                root === null ? unknown(`${this.dir} does not exist`) : await readContent(root, need.path);
              out.set(
                needKey(need),
                fact.state === "ok" ? known({ content: fact.value, from: "the checkout" }) : fact,
              );
            }),
          );
          break;
        default:
          out.set(needKey(need), unknown(githubOnlyReason(need)));
      }
    }
    if (files) {
      jobs.push(
        this.files().then((l) => {
          out.set(needKey({ type: "files" }), l.fact);
        }),
      );
    }
    if (contents.length > 0) jobs.push(this.contents(contents, out));
    // Windowed needs of a path also asked exactly take its date; the others try the window first.
    const exactPaths = new Set(ages);
    const byWindow = windowed.filter((n) => !exactPaths.has(n.path));
    const leftover = windowed.filter((n) => exactPaths.has(n.path));
    if (ages.length > 0) jobs.push(this.ages(ages, out));
    if (byWindow.length > 0) {
      const within = new Map<string, number[]>();
      for (const n of byWindow) within.set(n.path, [...(within.get(n.path) ?? []), n.within!]);
      jobs.push(this.ages([...within.keys()], out, within));
    }
    await Promise.all(jobs);
    // Every limit on a path gets the path's one date. The exact entry goes only after all have taken it:
    // removed inside the loop, a second limit on the same path found nothing and read "not collected".
    const exactKeys = new Set<string>();
    for (const need of leftover) {
      const exact = needKey({ type: "lastChanged", path: need.path });
      exactKeys.add(exact);
      const fact = out.get(exact);
      if (fact) out.set(needKey(need), fact);
    }
    const asked = new Set(needs.map(needKey));
    for (const exact of exactKeys) if (!asked.has(exact)) out.delete(exact);
  }

  /**
   * Workflow files changed against the pull request's base branch, by `git diff` with the base as this
   * checkout knows it (origin's first). Without a pull request there is nothing to compare with: a local
   * evaluation is the author's own view, not a gate, so nothing counts as changed.
   */
  private async workflowChanges(target: Target): Promise<Fact<WorkflowChanges>> {
    const base = target.pullRequest?.baseRef;
    if (base === undefined) return known({ base: null, changed: [] });
    const root = await this.rootDir();
    if (root === null) return unknown(`${this.dir} does not exist`);
    if (this.useGit) {
      for (const ref of [`refs/remotes/origin/${base}`, `refs/heads/${base}`]) {
        const run = await git(
          root,
          [
            "diff",
            "-z",
            "--name-only",
            "--no-renames",
            "--diff-filter=d",
            ref,
            "HEAD",
            "--",
            ":/.github/workflows",
          ],
          { trace: this.trace },
        );
        if (run.code !== 0) continue;
        const changed = run.stdout
          .toString("utf8")
          .split("\0")
          .filter((p) => /^\.github\/workflows\/[^/]+$/.test(p))
          .sort();
        return known({ base, changed });
      }
    }
    return unknown(
      `the base branch ${base} is not in this checkout, so its workflow files cannot be compared (git fetch origin ${base})`,
    );
  }

  /** realpath of the directory, or null when it does not exist. */
  private rootDir(): Promise<string | null> {
    this.root ??= realpath(this.dir).catch(() => null);
    return this.root;
  }

  private files(): Promise<Listing> {
    this.listing ??= this.list().then(
      (l) => {
        this.listed = l;
        return l;
      },
      (e: unknown) => ({
        fact: unknown(`the file list could not be read: ${String(e)}`),
        untracked: new Set(),
      }),
    );
    return this.listing;
  }

  private async list(): Promise<Listing> {
    const root = await this.rootDir();
    if (root === null) return { fact: unknown(`${this.dir} does not exist`), untracked: new Set() };
    if (this.useGit) {
      // Two processes side by side: the untracked walk and the per-file lstat behind --deleted are each
      // about half the cost, and -t (H tracked, ? untracked) tells which paths have no history.
      const running = Promise.all([
        git(root, ["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"], {
          trace: this.trace,
        }),
        git(root, ["ls-files", "-z", "--deleted"], { trace: this.trace }),
      ]);
      const index = fileIndex();
      const [listed, deleted] = await running;
      const failure = gitFailure(listed) ?? gitFailure(deleted);
      if (!failure) return parseLsFiles(listed.stdout, deleted.stdout, await index);
      if (failure.kind !== "no-git" && failure.kind !== "not-a-checkout") {
        return { fact: unknown(`the file list could not be read: ${failure.message}`), untracked: new Set() };
      }
    }
    try {
      const [walk, FileIndex] = await Promise.all([walkTree(root), fileIndex()]);
      return {
        fact: known(new FileIndex(walk.paths, walk.incomplete, LOCAL_READS)),
        untracked: new Set(),
      };
    } catch (e) {
      return {
        fact: unknown(`${this.dir} could not be read: ${(e as Error).message}`),
        untracked: new Set(),
      };
    }
  }

  private async contents(paths: string[], out: Map<string, Fact<unknown>>): Promise<void> {
    const root = await this.rootDir();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const path = paths[next++]!;
        out.set(
          needKey({ type: "content", path }),
          root === null ? unknown(`${this.dir} does not exist`) : await readContent(root, path),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONTENT_CONCURRENCY, paths.length) }, worker));
  }

  /**
   * Last changes of `paths`. With `within` (windowed needs, each path with its limits), the answers go to
   * those needs, and history is read only as far as the oldest limit needs (history.ts).
   */
  private async ages(
    paths: string[],
    out: Map<string, Fact<unknown>>,
    within?: Map<string, number[]>,
  ): Promise<void> {
    const set = (path: string, fact: Fact<Date | null | ChangeBound>) => {
      if (!within) out.set(needKey({ type: "lastChanged", path }), fact);
      else
        for (const d of within.get(path) ?? [])
          out.set(needKey({ type: "lastChanged", path, within: d }), fact);
    };
    const root = await this.rootDir();
    if (root === null) {
      for (const p of paths) set(p, unknown(`${this.dir} does not exist`));
      return;
    }
    if (!this.useGit) {
      for (const p of paths) set(p, unknown("freshness needs git history: git was turned off for this run"));
      return;
    }
    // Only an already finished listing is used: waiting for one would delay the log by its run time.
    const untracked = this.listed?.untracked ?? new Set<string>();
    const ask = new Map<string, string[]>(); // normalized → requested spellings
    await Promise.all(
      paths.map(async (path) => {
        const problem = lexicalProblem(path);
        if (problem) return set(path, unknown(problem));
        // History of a link is not the history of what it points to outside the repository.
        const where = await resolveInside(root, path);
        if (where.state === "refused") return set(path, unknown(where.reason));
        const norm = normalizeRelative(path);
        if (untracked.has(norm)) return set(path, known(null));
        const spellings = ask.get(norm);
        if (spellings) spellings.push(path);
        else ask.set(norm, [path]);
      }),
    );
    if (ask.size === 0) return;
    let window: { cutoff: number } | undefined;
    if (within && this.now) {
      // Fresh means at most `within` days old: committer times (seconds) from the cutoff up.
      const days = Math.max(...[...within.values()].flat());
      window = { cutoff: Math.ceil((this.now().getTime() - days * DAY_MS) / 1000) };
    }
    const history = await lastChanges(root, [...ask.keys()], this.trace, window);
    for (const [norm, spellings] of ask) {
      const change = history.changes.get(norm);
      let fact: Fact<Date | null | ChangeBound>;
      if (!change) fact = unknown(historyFailure(history.failure));
      else if ("time" in change) fact = known(change.time);
      else if ("olderThan" in change) fact = known({ olderThan: change.olderThan });
      else if ("never" in change) fact = known(null);
      else
        fact = unknown(
          `shallow clone: history does not reach the last change to ${norm} (fetch the full history: git fetch --unshallow, or fetch-depth: 0 in actions/checkout)`,
        );
      for (const s of spellings) set(s, fact);
    }
  }
}

function historyFailure(failure: GitFailure | undefined): string {
  if (!failure) return "git history could not be read";
  if (failure.kind === "not-a-checkout") return "freshness needs git history: not a git checkout";
  if (failure.kind === "no-git") return `freshness needs git history: ${failure.message}`;
  return `git history could not be read: ${failure.message}`;
}

/** Calls `each` with every NUL-terminated path of `git ls-files -z`; with -t, after its tag. */
function eachPath(stdout: Buffer, tagged: boolean, each: (path: string, tag: string) => void): void {
  const text = stdout.toString("utf8");
  const skip = tagged ? 2 : 0;
  let start = 0;
  for (let nul = text.indexOf("\0"); nul >= 0; nul = text.indexOf("\0", start)) {
    each(text.slice(start + skip, nul), tagged ? text[start]! : "");
    start = nul + 1;
  }
}

function parseLsFiles(
  listed: Buffer,
  deletedOut: Buffer,
  FileIndex: typeof import("../file-index.js").FileIndex,
): Listing {
  const deleted = new Set<string>();
  eachPath(deletedOut, false, (path) => deleted.add(path));
  const untracked = new Set<string>();
  const paths: string[] = [];
  eachPath(listed, true, (path, tag) => {
    if (tag === "?") untracked.add(path);
    // An unmerged path is listed once per stage; FileIndex keeps one.
    if (deleted.size === 0 || !deleted.has(path)) paths.push(path);
  });
  return { fact: known(new FileIndex(paths, false, LOCAL_READS)), untracked };
}

async function readContent(root: string, path: string): Promise<Fact<string | null>> {
  const where = await resolveInside(root, path);
  if (where.state === "refused") return unknown(where.reason);
  if (where.state === "absent") return known(null);
  let fh: import("node:fs/promises").FileHandle | undefined;
  try {
    // O_NONBLOCK: a FIFO in the tree must not hang the run.
    fh = await open(where.real, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return known(null);
    const buf = Buffer.alloc(Math.min(st.size, MAX_CONTENT_BYTES));
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return known(buf.toString("utf8", 0, filled));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") return known(null);
    return unknown(`${path} could not be read: ${(e as Error).message}`);
  } finally {
    await fh?.close().catch(() => {});
  }
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * HEAD read from disk, as git does for a plain checkout: saves a process on every run. Anything unusual
 * (worktree, subdirectory, packed or reftable refs, no commits yet) returns null and git is asked instead.
 */
async function headFromDisk(root: string): Promise<{ sha: string; ref?: string } | null> {
  const gitDir = join(root, ".git");
  if (!(await stat(gitDir).catch(() => null))?.isDirectory()) return null;
  const head = (await readFile(join(gitDir, "HEAD"), "utf8").catch(() => "")).trim();
  if (SHA.test(head)) return { sha: head };
  const m = /^ref: (refs\/heads\/(.+))$/.exec(head);
  if (!m || m[1]!.split("/").includes("..")) return null;
  const sha = (await readFile(join(gitDir, m[1]!), "utf8").catch(() => "")).trim();
  return SHA.test(sha) ? { sha, ref: m[2]! } : null;
}

/** The evaluated target of a local run: commit and branch from git when `dir` is a checkout. */
export async function localTarget(dir: string, opts: LocalOptions = {}): Promise<Target> {
  const target: Target = { context: "local" };
  if (opts.git === false) return target;
  const root = await realpath(resolve(dir)).catch(() => null);
  if (root === null) return target;
  const head = await headFromDisk(root);
  if (head) return { ...target, ...head };
  // One process: the commit, then the branch name ("HEAD" when detached); "--" so a file named HEAD is no revision.
  const run = await git(root, ["rev-parse", "HEAD", "--abbrev-ref", "HEAD", "--"], { trace: opts.trace });
  if (run.code !== 0) return target;
  const [sha = "", ref = ""] = run.stdout.toString("utf8").split("\n");
  if (SHA.test(sha)) target.sha = sha;
  if (ref !== "" && ref !== "HEAD" && ref !== "--") target.ref = ref;
  return target;
}
