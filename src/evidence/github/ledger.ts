// The ledger: slash commands read from pull request comments, with the facts needed to authorise them.
//
// Requests (all GET):
//   /repos/{o}/{r}/commits/{sha}/pulls                       which PRs brought a release/deployment commit in
//   /repos/{o}/{r}/issues/{n}/comments                       the comments, 100 a page, at most 30 pages a PR
//   /repos/{o}/{r}/collaborators/{user}/permission           once per person who gave a command
//   /orgs/{org}/teams/{slug}/memberships/{user}              only for the teams the policy names
//   /repos/{o}/{r}/git/commits/{sha}                         \  when the PR was last pushed, only when
//   /repos/{o}/{r}/commits/{sha}/check-suites                /  the ledger holds a sign-off
import type { Octokit } from "@octokit/rest";
import { ROLES } from "../../commands/authorize.js";
import { toLedgerCommand } from "../../commands/decide.js";
import { parseCommands } from "../../commands/parse.js";
import type { ActorFacts, Ledger, LedgerCommand, Target } from "../types.js";

export type LedgerOctokit = Pick<Octokit, "request">;

/** The part of a pino logger this module uses. */
export interface LedgerLog {
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface FetchLedgerOptions {
  owner: string;
  repo: string;
  target: Target;
  /** `org/team-slug` teams whose membership matters (the ledger need's `teams`); no other team is asked about. */
  teams: string[];
  /** Read when the head was pushed (costs two requests a head): only sign-offs reset on push need it. */
  pushTime?: boolean;
  log?: LedgerLog;
}

const PER_PAGE = 100;
/** 3000 comments a PR: past that the ledger cannot be read whole, and a partial ledger could drop an unwaive. */
const MAX_COMMENT_PAGES = 30;
/** A release commit brought in by more PRs than this keeps the most recent ones' ledgers. */
const MAX_PULL_REQUESTS = 10;
/** People whose rights are looked up; commands by anyone beyond are left unauthorised (logged). */
const MAX_ACTORS = 100;
const CONCURRENCY = 4;
const TEAM = /^[^/\s]+\/[^/\s]+$/;

interface PullRef {
  number: number;
  author?: string;
  headSha?: string;
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

const statusOf = (e: unknown): number | undefined =>
  typeof (e as RequestErrorLike)?.status === "number" ? (e as RequestErrorLike).status : undefined;

const isRateLimited = (e: unknown): boolean =>
  String((e as RequestErrorLike)?.response?.headers?.["x-ratelimit-remaining"]) === "0";

function failure(what: string, e: unknown): Error {
  const status = statusOf(e);
  const detail = (e as RequestErrorLike)?.message ?? String(e);
  return new Error(`could not read ${what}: ${status ? `HTTP ${status}, ` : ""}${detail}`, { cause: e });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const isBot = (user: { type?: string; login?: string }): boolean =>
  user.type === "Bot" || (user.login ?? "").endsWith("[bot]");

/**
 * The PRs whose comments make the ledger. A PR target: that PR. A release or deployment: the PRs GitHub
 * associates with the commit that were merged, or whose head is that very commit; an open PR that merely
 * contains the commit is left out, so its waivers do not leak into a release they were not given for.
 */
async function pullRequestsOf(
  octokit: LedgerOctokit,
  owner: string,
  repo: string,
  target: Target,
  log?: LedgerLog,
): Promise<PullRef[]> {
  const pr = target.pullRequest;
  if (pr) {
    return [{ number: pr.number, ...(pr.author ? { author: pr.author } : {}), headSha: pr.headSha }];
  }
  if (!target.sha) return [];
  let data: {
    number: number;
    merged_at: string | null;
    user: { login: string } | null;
    head: { sha: string };
  }[];
  try {
    ({ data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
      owner,
      repo,
      commit_sha: target.sha,
      per_page: PER_PAGE,
    }));
  } catch (e) {
    throw failure(`the pull requests of commit ${target.sha} in ${owner}/${repo}`, e);
  }
  const chosen = data
    .filter((p) => p.merged_at !== null || p.head.sha === target.sha)
    .sort((a, b) => b.number - a.number);
  if (chosen.length > MAX_PULL_REQUESTS) {
    log?.warn(
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

async function commandsOf(
  octokit: LedgerOctokit,
  owner: string,
  repo: string,
  pr: PullRef,
): Promise<LedgerCommand[]> {
  const out: LedgerCommand[] = [];
  for (let page = 1; ; page++) {
    let comments: {
      body?: string;
      html_url: string;
      created_at: string;
      updated_at: string;
      user: { login: string; type: string } | null;
    }[];
    try {
      ({ data: comments } = await octokit.request(
        "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
        {
          owner,
          repo,
          issue_number: pr.number,
          per_page: PER_PAGE,
          page,
        },
      ));
    } catch (e) {
      throw failure(`the comments of ${owner}/${repo}#${pr.number}`, e);
    }
    for (const c of comments) {
      if (!c.user || isBot(c.user) || !c.body) continue;
      for (const line of parseCommands(c.body)) {
        if (!line.ok) continue;
        const command = toLedgerCommand(line.command, {
          actor: c.user.login,
          at: c.created_at,
          url: c.html_url,
          edited: c.updated_at !== c.created_at,
        });
        if (command)
          out.push({ ...command, pullRequest: pr.number, ...(pr.author ? { prAuthor: pr.author } : {}) });
      }
    }
    if (comments.length < PER_PAGE) return out;
    if (page >= MAX_COMMENT_PAGES) {
      throw new Error(
        `${owner}/${repo}#${pr.number} has more than ${MAX_COMMENT_PAGES * PER_PAGE} comments; the ledger reads at most that many`,
      );
    }
  }
}

/** The role as GitHub names it (maintain and triage included); a custom role counts as its base permission. */
async function permissionOf(
  octokit: LedgerOctokit,
  owner: string,
  repo: string,
  username: string,
): Promise<string> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
      owner,
      repo,
      username,
    });
    const role = (data.role_name ?? "").toLowerCase();
    if ((ROLES as readonly string[]).includes(role)) return role;
    const base = (data.permission ?? "").toLowerCase();
    return (ROLES as readonly string[]).includes(base) ? base : "none";
  } catch (e) {
    if (statusOf(e) === 404) return "none";
    throw failure(`the permission of ${username} on ${owner}/${repo}`, e);
  }
}

type Membership = "member" | "not-member" | "unknown";

async function membershipOf(octokit: LedgerOctokit, team: string, username: string): Promise<Membership> {
  const [org, team_slug] = team.split("/") as [string, string];
  try {
    const { data } = await octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
      org,
      team_slug,
      username,
    });
    // A pending invitation is not membership.
    return data.state === "active" ? "member" : "not-member";
  } catch (e) {
    const status = statusOf(e);
    if (status === 404) return "not-member";
    if (status === 403 && !isRateLimited(e)) return "unknown";
    throw failure(`whether ${username} is a member of ${team}`, e);
  }
}

/**
 * What one person may do in the repository now: their role, and which of `teams` they are an active member of.
 * The App uses it to answer a command as soon as it is posted; it throws like fetchLedger.
 */
export async function fetchActorFacts(
  octokit: LedgerOctokit,
  { owner, repo, username, teams }: { owner: string; repo: string; username: string; teams: string[] },
): Promise<ActorFacts> {
  return actorFacts(
    octokit,
    owner,
    repo,
    username,
    [...new Set(teams)].filter((t) => TEAM.test(t)),
  );
}

async function actorFacts(
  octokit: LedgerOctokit,
  owner: string,
  repo: string,
  username: string,
  teams: string[],
): Promise<ActorFacts> {
  const permission = await permissionOf(octokit, owner, repo, username);
  const member: string[] = [];
  const unknownTeams: string[] = [];
  for (const team of teams) {
    const m = await membershipOf(octokit, team, username);
    if (m === "member") member.push(team);
    else if (m === "unknown") unknownTeams.push(team);
  }
  return { permission, teams: member, ...(unknownTeams.length ? { unknownTeams } : {}) };
}

/**
 * When a commit became the PR's head, as GitHub saw it: the later of the commit's committer date and the
 * creation of its first check suite. The committer date alone is the pusher's clock, and a commit made before a
 * sign-off but pushed after it would carry a date before the sign-off; GitHub creates check suites when code is
 * pushed, so the first suite dates the push. Null when neither could be read.
 */
async function pushedAtOf(
  octokit: LedgerOctokit,
  owner: string,
  repo: string,
  sha: string,
  log?: LedgerLog,
): Promise<number | null> {
  const times: number[] = [];
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      owner,
      repo,
      commit_sha: sha,
    });
    const t = Date.parse(data.committer?.date ?? "");
    if (Number.isFinite(t)) times.push(t);
  } catch (e) {
    log?.warn({ sha, status: statusOf(e) }, "could not read the head commit's date");
  }
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-suites", {
      owner,
      repo,
      ref: sha,
      per_page: PER_PAGE,
    });
    const created = data.check_suites
      .map((s) => Date.parse(s.created_at ?? ""))
      .filter((t) => Number.isFinite(t));
    if (created.length) times.push(Math.min(...created));
  } catch (e) {
    log?.warn({ sha, status: statusOf(e) }, "could not read the head commit's check suites");
  }
  return times.length ? Math.max(...times) : null;
}

/**
 * Reads the ledger of the target: the slash commands in the comments of its pull request(s), who gave them and
 * what those people may do now. Bot comments are skipped; commands from edited comments are kept, marked
 * `edited`, for the evaluation to ignore. Only the teams in `teams` are asked about; a 403 on a team (the App
 * lacks Organization members: read) leaves that membership unknown, which counts as not a member.
 *
 * `headPushedAt` (for sign-offs reset on push) is read only when asked (`pushTime`) and the ledger holds a
 * sign-off; for a release it is
 * the latest push among its PRs' heads, and it is left out when any head's push time could not be read.
 *
 * Throws an Error with a clear message when the comments, the PRs of a commit, or a person's permission cannot
 * be read (or a PR has more comments than are read): the provider turns that into an `unknown` ledger fact,
 * and the gate fails closed.
 */
export async function fetchLedger(octokit: LedgerOctokit, options: FetchLedgerOptions): Promise<Ledger> {
  const { owner, repo, target, log } = options;
  const teams = [...new Set(options.teams)].filter((t) => TEAM.test(t));
  const prs = target.context === "local" ? [] : await pullRequestsOf(octokit, owner, repo, target, log);

  const commands: LedgerCommand[] = [];
  for (const pr of prs) commands.push(...(await commandsOf(octokit, owner, repo, pr)));
  commands.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

  const people = [...new Set(commands.map((c) => c.actor))];
  if (people.length > MAX_ACTORS) {
    log?.warn(
      { people: people.length, resolved: MAX_ACTORS },
      "too many people gave commands: the rights of the first ones are read, the others' commands do not count",
    );
  }
  const resolvedPeople = people.slice(0, MAX_ACTORS);
  const facts = await mapLimit(resolvedPeople, CONCURRENCY, (login) =>
    actorFacts(octokit, owner, repo, login, teams),
  );
  const actors: Record<string, ActorFacts> = {};
  resolvedPeople.forEach((login, i) => {
    actors[login] = facts[i]!;
  });
  const unknownTeams = [...new Set(facts.flatMap((f) => f.unknownTeams ?? []))];
  if (unknownTeams.length) {
    log?.warn(
      { teams: unknownTeams },
      "team membership could not be read (403): the App needs the Organization members: read permission",
    );
  }

  const ledger: Ledger = { commands, actors, pullRequests: prs.map((p) => p.number) };
  if (options.pushTime && commands.some((c) => c.verb === "signoff")) {
    const heads = [...new Set(prs.map((p) => p.headSha).filter((s): s is string => !!s))];
    const times = await mapLimit(heads, CONCURRENCY, (sha) => pushedAtOf(octokit, owner, repo, sha, log));
    if (heads.length && times.every((t) => t !== null)) {
      ledger.headPushedAt = new Date(Math.max(...(times as number[]))).toISOString();
    }
  }
  log?.debug?.(
    { pullRequests: ledger.pullRequests, commands: commands.length, people: resolvedPeople.length },
    "ledger read",
  );
  return ledger;
}
