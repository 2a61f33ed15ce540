// When each path last changed (file checks with maxAgeDays).
//
// The trade-off. REST has exactly one exact answer: `GET /commits?sha={sha}&path={p}&per_page=1`, one
// request per path (GraphQL could batch them, but evidence is read through REST only). The alternatives
// considered and rejected:
// - Walking history (`GET /commits?sha=` then `GET /commits/{sha}` per commit for its files) costs one
//   request per commit walked and resolves a path only when the walk reaches the commit that last touched
//   it. Files under a freshness rule (runbooks, threat models, DR records) typically changed weeks ago,
//   dozens to hundreds of commits back: the walk pays K requests and usually resolves nothing, then the
//   per-path calls are needed anyway. It wins only when most tracked files changed in the last few commits.
// - Bisecting with trees or compares is approximate on merge-heavy histories and still costs several
//   requests per distinct change.
// So cold, lastChanged costs one request per path, bounded by `limits.lastChangedLookups` per evaluation
// (beyond it: unknown, with the reason). What makes it cheap in steady state is reuse:
// - Same commit again: the per-path URLs name a full SHA, so the ETag cache answers them without a request.
// - New commit Y after an evaluated commit X of the same repository (a push to a PR, the next release):
//   with a `HistoryMemory`, ONE compare X...Y lists the files that changed in between; every path that did
//   not change keeps X's answer, only changed paths are looked up again. If a file changed and was changed
//   back within X..Y, the compare does not list it and the older date is kept: that errs towards "stale",
//   never towards "fresh".
import { type Fact, known, unknown } from "../types.js";
import { explain, PERMISSIONS } from "./failure.js";
import { at, type RepoScope } from "./scope.js";

interface Remembered {
  sha: string;
  /** ISO date, or null: never committed. */
  dates: Map<string, string | null>;
}

/** Last-change dates of the latest evaluated commit per repository, shared across evaluations. Bounded LRU. */
export class HistoryMemory {
  private readonly repos = new Map<string, Remembered>();
  constructor(
    private readonly options: { maxRepos: number; maxPathsPerRepo: number } = {
      maxRepos: 500,
      maxPathsPerRepo: 2000,
    },
  ) {}

  recall(repoKey: string): Remembered | undefined {
    const r = this.repos.get(repoKey);
    if (r) {
      this.repos.delete(repoKey);
      this.repos.set(repoKey, r);
    }
    return r;
  }

  remember(repoKey: string, sha: string, path: string, date: Date | null): void {
    let r = this.repos.get(repoKey);
    if (!r || r.sha !== sha) {
      r = { sha, dates: new Map() };
      this.repos.delete(repoKey);
      this.repos.set(repoKey, r);
      for (const oldest of this.repos.keys()) {
        if (this.repos.size <= this.options.maxRepos) break;
        this.repos.delete(oldest);
      }
    }
    if (r.dates.size >= this.options.maxPathsPerRepo && !r.dates.has(path)) return;
    r.dates.set(path, date ? date.toISOString() : null);
  }
}

interface CommitItem {
  sha: string;
  commit?: { committer?: { date?: string } | null; author?: { date?: string } | null };
}

interface CompareResult {
  status?: string;
  files?: { filename: string; previous_filename?: string }[];
}

/** Plans and answers lastChanged for one provider instance (one commit). */
export class LastChanged {
  private readonly answers = new Map<string, Promise<Fact<Date | null>>>();
  private lookupsLeft: number;

  constructor(
    private readonly s: RepoScope,
    private readonly memory?: HistoryMemory,
  ) {
    this.lookupsLeft = s.limits.lastChangedLookups;
  }

  private get repoKey(): string {
    return `${this.s.owner}/${this.s.repo}`.toLowerCase();
  }

  /** Starts every path's answer at once, so reuse is decided once for the whole set. */
  plan(paths: string[]): void {
    const fresh = [...new Set(paths)].filter((p) => !this.answers.has(p));
    if (fresh.length === 0) return;
    const reused = this.reuse(fresh);
    for (const path of fresh) {
      this.answers.set(
        path,
        reused.then((dates) => {
          const date = dates.get(path);
          if (date === undefined) return this.lookUp(path);
          this.memory?.remember(this.repoKey, this.s.sha, path, date);
          return known(date);
        }),
      );
    }
  }

  get(path: string): Promise<Fact<Date | null>> {
    this.plan([path]);
    return this.answers.get(path)!;
  }

  /** Paths whose date carries over from the remembered commit, with that date. */
  private async reuse(paths: string[]): Promise<Map<string, Date | null>> {
    const out = new Map<string, Date | null>();
    const before = this.memory?.recall(this.repoKey);
    if (!before) return out;
    const candidates = paths.filter((p) => before.dates.has(p));
    if (candidates.length === 0) return out;
    const carry = (p: string) => {
      const iso = before.dates.get(p);
      out.set(p, iso ? new Date(iso) : null);
    };
    if (before.sha === this.s.sha) {
      for (const p of candidates) carry(p);
      return out;
    }
    const reply = await this.s.reader.get<CompareResult>("GET /repos/{owner}/{repo}/compare/{basehead}", {
      ...at(this.s),
      basehead: `${before.sha}...${this.s.sha}`,
    });
    // Only when the remembered commit is an ancestor, and the file list is complete (GitHub stops at 300).
    if (!reply.ok || !["ahead", "identical"].includes(reply.data.status ?? "")) return out;
    const files = reply.data.files ?? [];
    if (files.length >= 300) return out;
    const changed = new Set<string>();
    for (const f of files) {
      changed.add(f.filename);
      if (f.previous_filename) changed.add(f.previous_filename);
    }
    for (const p of candidates) if (!changed.has(p)) carry(p);
    return out;
  }

  private async lookUp(path: string): Promise<Fact<Date | null>> {
    if (this.lookupsLeft <= 0) {
      return unknown(
        `last change of ${path}: not looked up; finding it costs one request per file and this evaluation ` +
          `already made ${this.s.limits.lastChangedLookups} such look-ups`,
      );
    }
    this.lookupsLeft--;
    const reply = await this.s.reader.get<CommitItem[]>("GET /repos/{owner}/{repo}/commits", {
      ...at(this.s),
      sha: this.s.sha,
      path,
      per_page: 1,
    });
    if (!reply.ok) return unknown(explain(reply.failure, `last change of ${path}`, PERMISSIONS.contents));
    const first = Array.isArray(reply.data) ? reply.data[0] : undefined;
    if (!first) {
      this.memory?.remember(this.repoKey, this.s.sha, path, null);
      return known(null);
    }
    const iso = first.commit?.committer?.date ?? first.commit?.author?.date;
    const date = iso ? new Date(iso) : null;
    if (!date || Number.isNaN(date.getTime()))
      return unknown(
        `last change of ${path}: GitHub's answer for commit ${first.sha.slice(0, 7)} has no date`,
      );
    this.memory?.remember(this.repoKey, this.s.sha, path, date);
    return known(date);
  }
}
