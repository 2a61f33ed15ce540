// The ledger: the App's records of the slash commands it accepted, read from pull request comments, with the
// state now of the comments they answer and the rights now of the people who gave waivers and sign-offs.
// Judging them is src/commands/ledger.ts's; here is only reading.
//
// Requests (all GET, through the evaluation's shared reader: one per URL, deadline, bounded concurrency):
//   /repos/{o}/{r}/commits/{sha}/pulls                       which PRs brought a release/deployment commit in
//   /repos/{o}/{r}/issues/{n}/comments                       the comments, 100 a page, at most 100 pages a PR,
//                                                            the pages after the first read concurrently
//   /repos/{o}/{r}/collaborators/{user}/permission           once per person whose waiver or sign-off the App
//                                                            recorded (a person the App refused costs nothing)
//   /orgs/{org}/teams/{slug}/memberships/{user}              only for the teams the policy names
import { decodeRecord, editedByTheApp, type LedgerRecord, mayHoldRecord } from "../ledger-record.js";
import {
  type ActorFacts,
  type Ledger,
  type LedgerEntry,
  type LedgerPullRequest,
  ROLES,
  type Target,
} from "../types.js";
import { explain, isRateLimited, PERMISSIONS } from "./failure.js";
import { type GitHubOctokit, type LogLike, silentLog } from "./octokit.js";
import { GitHubReader } from "./reader.js";
import { at, DEFAULT_LIMITS, type RepoScope } from "./scope.js";

export interface FetchLedgerOptions {
  target: Target;
  /** `org/team-slug` teams whose membership matters (the ledger need's `teams`); no other team is asked about. */
  teams: string[];
  /** This App's id: only its comments are records. Unknown (the CLI without APP_ID): no record is trusted. */
  appId?: number | undefined;
}

const PER_PAGE = 100;
/**
 * 10,000 comments a PR. Only the App's records and comments with a command line are kept while reading, so a
 * flood of comments costs requests, not memory; past this the ledger cannot be read whole, and a partial one
 * could drop a revocation, so it is unknown (the gate fails closed).
 */
const MAX_COMMENT_PAGES = 100;
/** A release commit brought in by more PRs than this keeps the most recent ones' ledgers. */
const MAX_PULL_REQUESTS = 10;
/**
 * People whose rights are looked up. Only people the App accepted a waiver or sign-off from are candidates, so
 * strangers' commands never use this up; a grant by anyone beyond it does not count (fail closed).
 */
const MAX_ACTORS = 100;
const TEAM = /^[^/\s]+\/[^/\s]+$/;
const COMMAND_LINE = /^ {0,3}\/readiness(?=[ \t]|$)/im;

interface RawComment {
  id: number;
  body?: string | null;
  html_url?: string;
  created_at: string;
  updated_at: string;
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { id?: number } | null;
}

/** What is kept of a page: the App's records, and the state of comments that may hold commands. */
type Kept =
  | { kind: "record"; record: LedgerRecord; tampered: boolean; postedAt: string }
  /** A comment of the App that a person edited (the App edits only its status comment): when it was posted. */
  | { kind: "altered"; postedAt: string }
  | { kind: "command"; id: number; edited: boolean; url?: string };

/**
 * The PRs whose comments make the ledger. A PR target: that PR. A release or deployment: the PRs GitHub
 * associates with the commit that were merged, or whose head is that very commit; an open PR that merely
 * contains the commit is left out, so its waivers do not leak into a release they were not given for.
 */
async function pullRequestsOf(s: RepoScope, target: Target): Promise<LedgerPullRequest[]> {
  const pr = target.pullRequest;
  if (pr) return [{ number: pr.number, ...(pr.author ? { author: pr.author } : {}), headSha: pr.headSha }];
  if (!target.sha) return [];
  type Raw = {
    number: number;
    merged_at: string | null;
    user: { login: string } | null;
    head: { sha: string };
  };
  const reply = await s.reader.get<Raw[]>("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
    ...at(s),
    commit_sha: target.sha,
    per_page: PER_PAGE,
  });
  if (!reply.ok) {
    throw new Error(
      explain(reply.failure, `the pull requests of commit ${target.sha}`, PERMISSIONS.pullRequests),
    );
  }
  const chosen = reply.data
    .filter((p) => p.merged_at !== null || p.head.sha === target.sha)
    .sort((a, b) => b.number - a.number);
  if (chosen.length > MAX_PULL_REQUESTS) {
    s.log.warn(
      { pullRequests: chosen.map((p) => p.number), kept: MAX_PULL_REQUESTS },
      "commit brought in by many pull requests: reading the most recent ones' comments",
    );
  }
  return chosen.slice(0, MAX_PULL_REQUESTS).map((p) => ({
    number: p.number,
    ...(p.user?.login ? { author: p.user.login } : {}),
    headSha: p.head.sha,
  }));
}

function keep(c: RawComment, appId: number | undefined): Kept | null {
  const body = c.body ?? "";
  if (appId !== undefined && c.performed_via_github_app?.id === appId) {
    const edited = c.updated_at !== c.created_at;
    const record = mayHoldRecord(body) ? decodeRecord(body) : null;
    // The App never edits a record: a changed one was altered by a person.
    if (record) return { kind: "record", record, tampered: edited, postedAt: c.created_at };
    // A record edited beyond recognition (or into something else): what it said is lost, so it is not trusted.
    if (edited && !editedByTheApp(body)) return { kind: "altered", postedAt: c.created_at };
    return null;
  }
  if (!COMMAND_LINE.test(body)) return null;
  return {
    kind: "command",
    id: c.id,
    edited: c.updated_at !== c.created_at,
    ...(c.html_url ? { url: c.html_url } : {}),
  };
}

async function entriesOf(
  s: RepoScope,
  pr: LedgerPullRequest,
  appId: number | undefined,
): Promise<{ entries: LedgerEntry[]; voidBefore?: string }> {
  const paged = await s.reader.pages<Kept>(
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    { ...at(s), issue_number: pr.number, per_page: PER_PAGE },
    MAX_COMMENT_PAGES,
    (data) =>
      (Array.isArray(data) ? (data as RawComment[]) : []).flatMap((c) => {
        const k = keep(c, appId);
        return k ? [k] : [];
      }),
  );
  if (!paged.ok) {
    throw new Error(explain(paged.failure, `the comments of #${pr.number}`, PERMISSIONS.pullRequests));
  }
  if (paged.truncated) {
    throw new Error(
      `#${pr.number} has more than ${MAX_COMMENT_PAGES * PER_PAGE} comments; the ledger reads at most that many`,
    );
  }
  let voidBefore: string | undefined;
  const sources = new Map<number, { edited: boolean; url?: string }>();
  for (const k of paged.items) if (k.kind === "command") sources.set(k.id, { edited: k.edited, url: k.url! });
  const entries = new Map<number, LedgerEntry>();
  for (const k of paged.items) {
    if (k.kind === "altered" || (k.kind === "record" && k.tampered)) {
      // When the App posted it (GitHub's time, which no edit changes), not what the edited text now says.
      if (!voidBefore || k.postedAt > voidBefore) voidBefore = k.postedAt;
    }
    if (k.kind !== "record") continue;
    const source = sources.get(k.record.comment);
    const entry: LedgerEntry = {
      record: k.record,
      pullRequest: pr.number,
      tampered: k.tampered,
      source: source ? { edited: source.edited, ...(source.url ? { url: source.url } : {}) } : null,
    };
    // One record per comment; of two (a race), the unaltered one.
    const prev = entries.get(k.record.comment);
    if (!prev || (prev.tampered && !k.tampered)) entries.set(k.record.comment, entry);
  }
  return { entries: [...entries.values()], ...(voidBefore ? { voidBefore } : {}) };
}

/** The role as GitHub names it (maintain and triage included); a custom role counts as its base permission. */
async function permissionOf(reader: GitHubReader, owner: string, repo: string, username: string) {
  const reply = await reader.get<{ role_name?: string; permission?: string }>(
    "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
    { owner, repo, username },
  );
  if (!reply.ok) {
    if (reply.failure.status === 404) return "none";
    throw new Error(explain(reply.failure, `the permission of ${username}`, PERMISSIONS.metadata));
  }
  const role = (reply.data.role_name ?? "").toLowerCase();
  if ((ROLES as readonly string[]).includes(role)) return role;
  const base = (reply.data.permission ?? "").toLowerCase();
  return (ROLES as readonly string[]).includes(base) ? base : "none";
}

type Membership = "member" | "not-member" | "unknown";

async function membershipOf(reader: GitHubReader, team: string, username: string): Promise<Membership> {
  const [org, team_slug] = team.split("/") as [string, string];
  const reply = await reader.get<{ state?: string }>(
    "GET /orgs/{org}/teams/{team_slug}/memberships/{username}",
    {
      org,
      team_slug,
      username,
    },
  );
  // A pending invitation is not membership.
  if (reply.ok) return reply.data.state === "active" ? "member" : "not-member";
  const f = reply.failure;
  if (f.status === 404) return "not-member";
  if (f.status === 403 && !isRateLimited(f)) return "unknown";
  throw new Error(explain(f, `whether ${username} is a member of ${team}`));
}

async function actorFacts(
  reader: GitHubReader,
  owner: string,
  repo: string,
  username: string,
  teams: string[],
): Promise<ActorFacts> {
  const [permission, memberships] = await Promise.all([
    permissionOf(reader, owner, repo, username),
    Promise.all(teams.map((t) => membershipOf(reader, t, username))),
  ]);
  return {
    permission,
    teams: teams.filter((_, i) => memberships[i] === "member"),
    ...(memberships.includes("unknown")
      ? { unknownTeams: teams.filter((_, i) => memberships[i] === "unknown") }
      : {}),
  };
}

const validTeams = (teams: string[]) => [...new Set(teams)].filter((t) => TEAM.test(t));

/**
 * What one person may do in the repository now: their role, and which of `teams` they are an active member of.
 * The App uses it to answer a command as soon as it is posted; throws an Error with a clear message when it
 * cannot be read.
 */
export async function fetchActorFacts(
  octokit: GitHubOctokit,
  {
    owner,
    repo,
    username,
    teams,
    log,
  }: { owner: string; repo: string; username: string; teams: string[]; log?: LogLike },
): Promise<ActorFacts> {
  const reader = new GitHubReader(octokit, {
    concurrency: 4,
    timeoutMs: DEFAULT_LIMITS.timeoutMs,
    log: log ?? silentLog,
  });
  return actorFacts(reader, owner, repo, username, validTeams(teams));
}

/**
 * Reads the ledger of the target: the App's records in the comments of its pull request(s), the state of the
 * comments they answer, and what the people who gave the recorded waivers and sign-offs may do now. Only the
 * teams in `teams` are asked about; a 403 on a team (the App lacks Organization members: read) leaves that
 * membership unknown, which counts as not a member.
 *
 * Throws an Error with a clear message when the comments, the PRs of a commit, or a person's permission cannot
 * be read (or a PR has more comments than are read): the provider turns that into an `unknown` ledger fact,
 * and the gate fails closed.
 */
export async function fetchLedger(s: RepoScope, options: FetchLedgerOptions): Promise<Ledger> {
  const { target, appId } = options;
  const teams = validTeams(options.teams);
  const prs = target.context === "local" ? [] : await pullRequestsOf(s, target);
  if (appId === undefined && prs.length) {
    s.log.debug({}, "the App's id is unknown: no record of an accepted command is trusted");
  }
  const read = await Promise.all(prs.map((pr) => entriesOf(s, pr, appId)));
  const entries = read.flatMap((r) => r.entries);
  // The latest time a person altered one of the App's comments: every grant recorded before it is void.
  const voidBefore = read.reduce<string | undefined>(
    (latest, r) => (r.voidBefore && (!latest || r.voidBefore > latest) ? r.voidBefore : latest),
    undefined,
  );

  // Only a grant whose comment still reads as it was accepted can count, so only its giver's rights matter.
  const grantors = [
    ...new Set(
      entries
        .filter((e) => !e.tampered && e.source && !e.source.edited)
        .filter((e) => e.record.commands.some((c) => c.verb !== "unwaive"))
        .map((e) => e.record.actor),
    ),
  ];
  if (grantors.length > MAX_ACTORS) {
    s.log.warn(
      { people: grantors.length, resolved: MAX_ACTORS },
      "waivers and sign-offs from very many people: the rights of the first ones are read, the others' do not count",
    );
  }
  const resolved = grantors.slice(0, MAX_ACTORS);
  const facts = await Promise.all(
    resolved.map((login) => actorFacts(s.reader, s.owner, s.repo, login, teams)),
  );
  const actors: Record<string, ActorFacts> = {};
  resolved.forEach((login, i) => {
    actors[login] = facts[i]!;
  });
  const unknownTeams = [...new Set(facts.flatMap((f) => f.unknownTeams ?? []))];
  if (unknownTeams.length) {
    s.log.warn(
      { teams: unknownTeams },
      "team membership could not be read (403): the App needs the Organization members: read permission",
    );
  }
  s.log.debug(
    { pullRequests: prs.map((p) => p.number), records: entries.length, people: resolved.length },
    "ledger read",
  );
  return { entries, actors, pullRequests: prs, ...(voidBefore ? { voidBefore } : {}) };
}
