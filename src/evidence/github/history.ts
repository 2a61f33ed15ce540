// When each path last changed (file checks with maxAgeDays).
//
// Two ways to answer, chosen per evaluation by what they cost.
//
// 1. Exact: the newest commit touching the path, GraphQL's `history(path:, first: 1)` on the commit (the
//    walk of REST's `GET /commits?sha={sha}&path={p}&per_page=1`, without `since`, so no date decides which
//    commit comes first), one alias per path and all paths of a turn in one query (graphql.ts). Needs
//    without `within` are always answered so; at most `limits.lastChangedLookups` per evaluation (beyond:
//    unknown).
//
// 2. By window: a need with `within` (days) only asks whether the last change lies inside the window, and
//    all such paths of one limit are settled together, whatever their number:
//      `GET /commits?sha={sha}&until={cutoff}&per_page=100`  the newest commit B before the window
//      `GET /compare/{B}...{sha}?per_page=100`            which files differ between B and the commit
//    A path that does not differ is unchanged since B: `{ olderThan: date of B }`, and the check fails it as
//    "more than N days ago" (honest, without an exact age). A path that differs changed after B:
//    `{ newerThan: the oldest commit of B..sha }`, provided that commit lies inside the window. A commit of
//    the range dated before the window (a branch committed earlier and merged later, or one inside the
//    rounding below) would make "differs" prove nothing, so such paths are then looked up exactly. The
//    compare lists 300 files at most; an active repository changes more than that in a long window, and then
//    B's tree (one more request; the commit's own is the file list's) is compared with the commit's, blob by
//    blob, which has no cap. So a window costs 2 requests, 3 on a busy repository.
//    Windows go from the smallest limit up: a path changed within the smallest window is fresh for every
//    larger one, and only the paths unchanged there go on to the next window. With two paths or fewer left,
//    exact look-ups cost no more and give a date, so they are used instead. (Exact look-ups now cost one
//    GraphQL query for up to 50 paths, less than a window; windows are kept past two paths so that large
//    sets stay bounded and this path stays exercised: choosing by the look-up budget is left to do.)
//    The cutoff is the provider's clock minus the limit minus 10 minutes, rounded down to the hour: the URLs
//    stay the same for an hour, so the ETag cache answers a re-evaluation, and the margin keeps "older than"
//    settled when the engine's clock (read before the evidence) is a little behind the provider's.
//    A commit of the range dated in the future (beyond CLOCK_SKEW_MS) gives no bound either: its paths are
//    looked up exactly, and the file check refuses the future date (it would otherwise read "fresh" forever).
//    Limits: GitHub lists a compare's commits in chronological order, and only the first page (the oldest
//    100) is checked for commits before the window. A path changed and changed back inside the window does
//    not differ, so it reads as stale: that errs towards "stale", never towards "fresh". "Unchanged since B"
//    reads as "older than B's date" only while no ancestor of B is dated after the cutoff: a commit dated
//    before its parent (a back-dated commit, or a normal one after a future-dated one) would make a path
//    changed inside the window read as stale where `git log` sees it fresh (found by test/differential).
//    The listing that finds B asks for 100 commits (same request): B's ancestors that it reaches but does
//    not list are dated after the cutoff, and then the unchanged paths are looked up exactly. A full page
//    cannot tell a parent past the page from one dated later, so beyond B's nearest 100 ancestors dates
//    are taken as ordered.
//
// Alternatives rejected: walking history (`GET /commits?sha=` then `GET /commits/{sha}` per commit for its
// files) costs one request per commit walked and rarely reaches files that changed weeks ago; bisecting with
// trees costs several requests per distinct change.
//
// Reuse across evaluations (what makes it cheap in steady state):
// - Same commit again: every URL names a full SHA (the cutoff is fixed for the hour), so the ETag cache
//   answers without a request; with a HistoryMemory not even the cache is asked.
// - New commit Y after an evaluated commit X of the same repository (a push to a PR, the next release):
//   with a `HistoryMemory`, ONE compare X...Y lists the files that changed in between; every path that did
//   not change keeps X's answer (a date, or a bound that still settles its limit now), only changed paths
//   are asked again. If a file changed and was changed back within X..Y, the compare does not list it and
//   the older answer is kept: that errs towards "stale", never towards "fresh".
import { type ChangeBound, CLOCK_SKEW_MS, type Fact, known, unknown } from "../types.js";
import type { CacheAccess } from "./etag-cache.js";
import { explain, PERMISSIONS } from "./failure.js";
import { at, type RepoScope } from "./scope.js";

/** What a lastChanged need gets: a date, null (never committed), or a bound (a need with `within`). */
export type ChangeAnswer = Date | null | ChangeBound;

interface Remembered {
  sha: string;
  /** ISO date, null (never committed), or a bound: "<ISO" (at or before) or ">ISO" (at or after). */
  dates: Map<string, string | null>;
}

const encode = (a: ChangeAnswer): string | null =>
  a === null
    ? null
    : a instanceof Date
      ? a.toISOString()
      : "olderThan" in a
        ? `<${a.olderThan.toISOString()}`
        : `>${a.newerThan.toISOString()}`;

const decode = (s: string | null): ChangeAnswer =>
  s === null
    ? null
    : s.startsWith("<")
      ? { olderThan: new Date(s.slice(1)) }
      : s.startsWith(">")
        ? { newerThan: new Date(s.slice(1)) }
        : new Date(s);

/** Last-change answers of the latest evaluated commit per repository, shared across evaluations. Bounded LRU. */
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

  /** A bound never replaces a date already known for the path at that commit. */
  remember(repoKey: string, sha: string, path: string, answer: ChangeAnswer): void {
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
    const before = r.dates.get(path);
    const exact = before === null || (before !== undefined && !/^[<>]/.test(before));
    if (exact && !(answer === null || answer instanceof Date)) return;
    r.dates.set(path, encode(answer));
  }
}

interface CommitItem {
  sha: string;
  parents?: { sha: string }[];
  commit?: { committer?: { date?: string } | null; author?: { date?: string } | null };
}

/** A commit as GraphQL's `history` lists it. */
interface HistoryNode {
  oid: string;
  committedDate?: string;
  authoredDate?: string;
}

interface CompareResult {
  status?: string;
  total_commits?: number;
  commits?: CommitItem[];
  files?: { filename: string; previous_filename?: string }[];
}

export interface ChangeNeed {
  path: string;
  /** Days: only whether the last change lies within them matters (see the lastChanged need). */
  within?: number;
}

/** What one window told: see the module comment. */
type Window =
  | {
      ok: true;
      /** Date of the newest commit before the window: unlisted paths last changed at or before it. */
      base: Date;
      /** Does the path differ between that commit and the evaluated one? */
      changed: (path: string) => boolean;
      /** False when neither the compare (300 files at most) nor the trees could tell every path. */
      complete: boolean;
      /** An ancestor of the base is dated after the cutoff: "unchanged since the base" bounds no date. */
      datesGoBack: boolean;
      /** When every commit of the range lies inside the window: listed paths changed at or after this. */
      newerThan?: Date;
    }
  | { ok: false; reason: string };

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const CUTOFF_MARGIN_MS = 10 * 60_000;
/** A window costs two requests: with this many paths or fewer left, exact look-ups (one query) cost less. */
const EXACT_AT_MOST = 2;
/** Distinct freshness limits examined by window in one evaluation; paths past them are looked up. */
const MAX_WINDOWS = 4;
/** GitHub's cap on a compare's list of files. */
const COMPARE_FILES_CAP = 300;

/** Commits listed before the window: the base and, in the same request, what shows its ancestry's dates. */
const UNTIL_PAGE = 100;

/**
 * Does an ancestor of the base (`page[0]`) carry a date after the cutoff? `page` lists every commit before
 * the cutoff that the evaluated commit reaches, newest first, so a parent of a listed ancestor that is not
 * listed is dated after the cutoff: history goes back in time there, and a path last changed by such an
 * ancestor changed inside the window although it is unchanged since the base. A full page may end before
 * a parent, so it proves nothing about the parents it does not list (a limit: such history is read as
 * ordered beyond the base's nearest 100 ancestors).
 */
function hidesLaterDate(page: CommitItem[]): boolean {
  const listed = new Set(page.map((c) => c.sha));
  const bySha = new Map(page.map((c) => [c.sha, c]));
  const full = page.length >= UNTIL_PAGE;
  const seen = new Set<string>();
  const todo = page[0] ? [page[0]] : [];
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (seen.has(c.sha)) continue;
    seen.add(c.sha);
    for (const p of c.parents ?? []) {
      if (!listed.has(p.sha)) {
        if (!full) return true;
      } else todo.push(bySha.get(p.sha)!);
    }
  }
  return false;
}

const keyOf = (n: ChangeNeed) => `${n.path}\u0000${n.within ?? ""}`;

function dateOf(c: CommitItem | undefined): Date | null {
  const iso = c?.commit?.committer?.date ?? c?.commit?.author?.date;
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** Plans and answers lastChanged for one provider instance (one commit). */
export class LastChanged {
  private readonly answers = new Map<string, Promise<Fact<ChangeAnswer>>>();
  private readonly exact = new Map<string, Promise<Fact<Date | null>>>();
  private readonly windows = new Map<number, Promise<Window>>();
  private lookupsLeft: number;

  constructor(
    private readonly s: RepoScope,
    private readonly memory?: HistoryMemory,
    private readonly cache?: CacheAccess,
  ) {
    this.lookupsLeft = s.limits.lastChangedLookups;
  }

  private get repoKey(): string {
    return `${this.s.owner}/${this.s.repo}`.toLowerCase();
  }

  /** Starts every need's answer at once, so reuse and windows are decided once for the whole set. */
  plan(needs: ChangeNeed[]): void {
    const fresh = [...new Map(needs.map((n) => [keyOf(n), n])).values()].filter(
      (n) => !this.answers.has(keyOf(n)),
    );
    if (fresh.length === 0) return;
    const reused = this.reuse(fresh);
    const settled = reused.then((carried) => this.settle(fresh.filter((n) => !carried.has(keyOf(n)))));
    for (const need of fresh) {
      const key = keyOf(need);
      this.answers.set(
        key,
        reused.then(async (carried) => {
          if (carried.has(key)) {
            const answer = carried.get(key)!;
            this.memory?.remember(this.repoKey, this.s.sha, need.path, answer);
            return known(answer);
          }
          return (await settled).get(key)!;
        }),
      );
    }
  }

  get(need: ChangeNeed): Promise<Fact<ChangeAnswer>> {
    this.plan([need]);
    return this.answers.get(keyOf(need))!;
  }

  /** Does a remembered answer settle this need (an exact need takes only a date)? */
  private settles(answer: ChangeAnswer, need: ChangeNeed): boolean {
    if (answer === null || answer instanceof Date) return true;
    if (need.within === undefined) return false;
    const window = need.within * DAY_MS;
    const now = this.s.now().getTime();
    return "olderThan" in answer
      ? now - answer.olderThan.getTime() > window
      : now - answer.newerThan.getTime() <= window && answer.newerThan.getTime() - now <= CLOCK_SKEW_MS;
  }

  /** Needs whose answer carries over from the remembered commit, with that answer. */
  private async reuse(needs: ChangeNeed[]): Promise<Map<string, ChangeAnswer>> {
    const out = new Map<string, ChangeAnswer>();
    const before = this.memory?.recall(this.repoKey);
    if (!before) return out;
    const candidates = needs.filter((n) => {
      const iso = before.dates.get(n.path);
      return iso !== undefined && this.settles(decode(iso), n);
    });
    if (candidates.length === 0) return out;
    const carry = (n: ChangeNeed) => out.set(keyOf(n), decode(before.dates.get(n.path)!));
    if (before.sha === this.s.sha) {
      for (const n of candidates) carry(n);
      return out;
    }
    const reply = await this.s.reader.get<CompareResult>("GET /repos/{owner}/{repo}/compare/{basehead}", {
      ...at(this.s),
      basehead: `${before.sha}...${this.s.sha}`,
    });
    // Only when the remembered commit is an ancestor, and the file list is complete (GitHub stops at 300).
    if (!reply.ok || !["ahead", "identical"].includes(reply.data.status ?? "")) return out;
    const files = reply.data.files ?? [];
    if (files.length >= COMPARE_FILES_CAP) return out;
    const changed = new Set<string>();
    for (const f of files) {
      changed.add(f.filename);
      if (f.previous_filename) changed.add(f.previous_filename);
    }
    for (const n of candidates) if (!changed.has(n.path)) carry(n);
    return out;
  }

  /** Answers the needs nothing carried over: exact look-ups, and windows where they cost less. */
  private async settle(needs: ChangeNeed[]): Promise<Map<string, Fact<ChangeAnswer>>> {
    const out = new Map<string, Fact<ChangeAnswer>>();
    const exactly = async (list: ChangeNeed[]) => {
      const facts = await Promise.all(list.map((n) => this.lookUp(n.path)));
      list.forEach((n, i) => {
        out.set(keyOf(n), facts[i]!);
      });
    };
    const exactNeeds = needs.filter((n) => n.within === undefined);
    // A path asked exactly anyway gets the same date for its windowed needs.
    const exactPaths = new Set(exactNeeds.map((n) => n.path));
    let open = needs.filter((n) => n.within !== undefined && !exactPaths.has(n.path));
    const pending: Promise<void>[] = [
      exactly([...exactNeeds, ...needs.filter((n) => n.within !== undefined && exactPaths.has(n.path))]),
    ];
    let windows = 0;
    while (open.length > 0) {
      const paths = new Set(open.map((n) => n.path));
      if (paths.size <= EXACT_AT_MOST || windows >= MAX_WINDOWS) {
        pending.push(exactly(open));
        break;
      }
      const within = Math.min(...open.map((n) => n.within!));
      windows++;
      const win = await this.window(within);
      if (!win.ok) {
        this.s.log.debug({ within, reason: win.reason }, "freshness window not usable; looking paths up");
        pending.push(exactly(open));
        break;
      }
      const next: ChangeNeed[] = [];
      const lookUp: ChangeNeed[] = [];
      for (const n of open) {
        if (win.changed(n.path)) {
          if (win.newerThan) this.answer(out, n, { newerThan: win.newerThan });
          else lookUp.push(n);
        } else if (!win.complete || win.datesGoBack) lookUp.push(n);
        else if (n.within === within) this.answer(out, n, { olderThan: win.base });
        else next.push(n);
      }
      if (lookUp.length > 0) pending.push(exactly(lookUp));
      open = next;
    }
    await Promise.all(pending);
    return out;
  }

  private answer(out: Map<string, Fact<ChangeAnswer>>, need: ChangeNeed, bound: ChangeBound): void {
    this.memory?.remember(this.repoKey, this.s.sha, need.path, bound);
    out.set(keyOf(need), known(bound));
  }

  /** The newest commit before the window and what changed since: two requests, shared per limit. */
  private window(within: number): Promise<Window> {
    let pending = this.windows.get(within);
    if (!pending) {
      pending = this.readWindow(within);
      this.windows.set(within, pending);
    }
    return pending;
  }

  private async readWindow(within: number): Promise<Window> {
    const now = this.s.now().getTime();
    const cutoff = Math.floor((now - within * DAY_MS - CUTOFF_MARGIN_MS) / HOUR_MS) * HOUR_MS;
    const listed = await this.s.reader.get<CommitItem[]>("GET /repos/{owner}/{repo}/commits", {
      ...at(this.s),
      sha: this.s.sha,
      until: new Date(cutoff).toISOString(),
      // The newest is the base; the rest (same request) show whether the base's ancestry goes back in time.
      per_page: UNTIL_PAGE,
    });
    if (!listed.ok) return { ok: false, reason: explain(listed.failure, "history", PERMISSIONS.contents) };
    const page = Array.isArray(listed.data) ? listed.data : [];
    const first = page[0];
    // The whole history lies inside the window: nothing to compare with.
    if (!first) return { ok: false, reason: "no commit before the window" };
    const base = dateOf(first);
    if (!base) return { ok: false, reason: `commit ${first.sha.slice(0, 7)} has no date` };
    const reply = await this.s.reader.get<CompareResult>("GET /repos/{owner}/{repo}/compare/{basehead}", {
      ...at(this.s),
      basehead: `${first.sha}...${this.s.sha}`,
      // Paged, the first page lists the OLDEST commits of the range (unpaged: the newest 250), which are the
      // ones that could lie before the window; the files (up to 300) come with the first page either way.
      per_page: 100,
    });
    if (!reply.ok) return { ok: false, reason: explain(reply.failure, "compare", PERMISSIONS.contents) };
    if (!["ahead", "identical"].includes(reply.data.status ?? ""))
      return { ok: false, reason: `compare status ${String(reply.data.status)}` };
    const dates = (reply.data.commits ?? []).map(dateOf);
    let oldest = Number.POSITIVE_INFINITY;
    for (const d of dates) oldest = Math.min(oldest, d ? d.getTime() : Number.NEGATIVE_INFINITY);
    // A commit dated in the future (dates are the committer's to set) says nothing about when the range's
    // changes were made: its paths are then looked up one by one, and the check sees the future date.
    const future = dates.some((d) => d !== null && d.getTime() - now > CLOCK_SKEW_MS);
    const inside = dates.length > 0 && !future && now - oldest <= within * DAY_MS;
    const bounds = {
      ok: true as const,
      base,
      datesGoBack: hidesLaterDate(page),
      ...(inside ? { newerThan: new Date(oldest) } : {}),
    };
    const files = reply.data.files ?? [];
    const inDiff = new Set<string>();
    for (const f of files) {
      inDiff.add(f.filename);
      if (f.previous_filename) inDiff.add(f.previous_filename);
    }
    if (files.length < COMPARE_FILES_CAP) return { ...bounds, changed: (p) => inDiff.has(p), complete: true };
    // An active repository changes more than 300 files in a long window: the compare's list is cut, so
    // the two trees are compared instead, blob by blob (the evaluated commit's tree is already at hand, the
    // base's is one request and content-addressed). B is an ancestor of the commit, so this is the same diff.
    const [then, current] = await Promise.all([this.blobs(first.sha), this.blobs(this.s.sha)]);
    if (!then || !current) return { ...bounds, changed: (p) => inDiff.has(p), complete: false };
    return { ...bounds, changed: (p) => then.get(p) !== current.get(p), complete: true };
  }

  /** Path → blob SHA of a commit's tree (the request the file list makes, so shared); null if cut short. */
  private async blobs(sha: string): Promise<Map<string, string> | null> {
    const reply = await this.s.reader.get<{
      tree?: { path: string; type: string; sha: string }[];
      truncated?: boolean;
    }>("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { ...at(this.s), tree_sha: sha, recursive: "1" });
    if (!reply.ok || reply.data.truncated) return null;
    const out = new Map<string, string>();
    for (const e of reply.data.tree ?? []) if (e.type === "blob") out.set(e.path, e.sha);
    return out;
  }

  private lookUp(path: string): Promise<Fact<Date | null>> {
    let pending = this.exact.get(path);
    if (!pending) {
      pending = this.readExact(path);
      this.exact.set(path, pending);
    }
    return pending;
  }

  private async readExact(path: string): Promise<Fact<Date | null>> {
    if (this.lookupsLeft <= 0) {
      return unknown(
        `last change of ${path}: not looked up; this evaluation already made ` +
          `${this.s.limits.lastChangedLookups} such look-ups (limits.lastChangedLookups)`,
      );
    }
    this.lookupsLeft--;
    // The answer for a full SHA never changes: kept in the ETag cache under the REST URL that asks the same
    // (content-addressed), so a later evaluation of this commit sends nothing for it.
    const rest = { ...at(this.s), sha: this.s.sha, path, per_page: 1 };
    const route = "GET /repos/{owner}/{repo}/commits";
    const key = this.s.reader.endpointKey(route, rest);
    let first: CommitItem | undefined;
    if (this.cache && (await this.cache.has(key.url, key.accept))) {
      const cached = await this.s.reader.get<CommitItem[]>(route, rest);
      if (!cached.ok) return unknown(explain(cached.failure, `last change of ${path}`, PERMISSIONS.contents));
      first = Array.isArray(cached.data) ? cached.data[0] : undefined;
    } else {
      const reply = await this.s.graphql.field<{ history?: { nodes?: HistoryNode[] } } | null>(
        "object(oid: $0) { ... on Commit { history(path: $1, first: 1) { nodes { oid committedDate authoredDate } } } }",
        [
          { type: "GitObjectID!", value: this.s.sha },
          { type: "String!", value: path },
        ],
      );
      if (!reply.ok) return unknown(explain(reply.failure, `last change of ${path}`, PERMISSIONS.contents));
      if (!reply.data?.history) return unknown(`last change of ${path}: GitHub has no commit ${this.s.sha}`);
      const node = reply.data.history.nodes?.[0];
      if (node)
        first = {
          sha: node.oid,
          commit: { committer: { date: node.committedDate }, author: { date: node.authoredDate } },
        };
      await this.cache?.seed(key.url, key.accept, first ? [first] : []);
    }
    if (!first) {
      this.memory?.remember(this.repoKey, this.s.sha, path, null);
      return known(null);
    }
    const date = dateOf(first);
    if (!date)
      return unknown(
        `last change of ${path}: GitHub's answer for commit ${first.sha.slice(0, 7)} has no date`,
      );
    this.memory?.remember(this.repoKey, this.s.sha, path, date);
    return known(date);
  }
}
