// The sweep (SWEEP_INTERVAL_MINUTES): every repository of every installation, not only those with release PRs,
// gets its default branch's head evaluated when it has a policy, so the dashboard shows the whole organisation.
// The result is recorded as target kind "branch" and written nowhere on GitHub: no check run, no comment.
//
// What it costs GitHub is bounded per installation and sweep (`budget`, counted on the sweep's own client,
// every request it sends, a 304 included although GitHub does not charge one). Repositories are taken stalest
// first, so those a spent budget leaves are first next time. A repository costs nothing when GitHub's listing
// says nothing was pushed since the last sweep, one conditional request (the ETag cache) when the push did not
// move the default branch, and a policy lookup when it has none.
import type { Logger } from "probot";
import { runEvaluation } from "../engine/run.js";
import { errorForLog } from "../evidence/github/failure.js";
import { deploymentTarget } from "../evidence/target.js";
import type { EvidenceProvider } from "../evidence/types.js";
import { saveRepository, sweptState, touchSwept } from "../store/repositories.js";
import type { Store } from "../store/store.js";
import type { AppOctokit } from "./octokit.js";
import { resolvePolicy } from "./policy.js";
import { failed, listInstallations, listRepositories, type RepoInfo } from "./reconcile.js";
import type { EvidenceFactoryArgs } from "./targets/types.js";

/** The advisory lock one sweeping replica holds ("rgsw" in ASCII): the others skip that interval. */
export const SWEEP_LOCK = 0x72677377;
export { DEFAULT_SWEEP_BUDGET } from "./config.js";
/**
 * Most requests the sweep sends per installation per hour, whatever the interval and budget: a fifth of
 * GitHub's 5,000 an hour for an installation, the rest left to webhooks' evaluations.
 */
export const SWEEP_HOURLY_CEILING = 1_000;
/** What one repository's evaluation is assumed to cost until one was measured in this sweep. */
const FIRST_ESTIMATE = 40;
/** Where GitHub looks for CODEOWNERS, in its order. */
const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
const MAX_CODEOWNERS_BYTES = 256 * 1024;
const MAX_TEAMS = 20;

/** The budget one sweep gets: the one asked for, cut so that sweeps every `intervalMinutes` stay under the ceiling. */
export function sweepBudget(requested: number, intervalMinutes: number): number {
  return Math.max(1, Math.min(requested, Math.floor((SWEEP_HOURLY_CEILING * intervalMinutes) / 60)));
}

export interface SweepOptions {
  appOctokit: AppOctokit;
  /** A client of its own for the installation (with the App's ETag cache): the sweep counts its requests. */
  installationOctokit: (installationId: number) => Promise<AppOctokit>;
  store: Store;
  evidence: (args: EvidenceFactoryArgs) => EvidenceProvider;
  now: () => Date;
  log: Logger;
  /** Requests per installation for this sweep (sweepBudget). */
  budget: number;
  installationId?: number;
}

export interface SweepSummary {
  installations: number;
  repositories: number;
  evaluated: number;
  /** Default branch head as the last sweep saw it. */
  unchanged: number;
  noPolicy: number;
  /** A policy that does not validate: nothing to evaluate until a push fixes it. */
  invalidPolicy: number;
  /** Left for the next sweep: the installation's budget would not cover them. */
  deferred: number;
  /** Requests sent, by installation id. */
  requests: Record<string, number>;
  errors: string[];
}

class BudgetSpent extends Error {}

/** Counts the requests of this client and refuses any past `budget`. */
function metered(octokit: AppOctokit, budget: number): { used: number; spent: boolean } {
  const meter = { used: 0, spent: false };
  octokit.hook.before("request", () => {
    if (meter.used >= budget) {
      meter.spent = true;
      throw new BudgetSpent(`the sweep's budget of ${budget} requests for this installation is spent`);
    }
    meter.used++;
  });
  return meter;
}

/** `org/team` of the `@org/team` owners of CODEOWNERS' catch-all rule (`*`; the last one, as GitHub reads it). */
export function codeownersTeams(text: string): string[] {
  let owners: string[] = [];
  for (const raw of text.slice(0, MAX_CODEOWNERS_BYTES).split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    const [pattern, ...rest] = line.split(/\s+/);
    if (pattern === "*") owners = rest;
  }
  const teams = owners
    .map((o) => /^@([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9][A-Za-z0-9._-]{0,99})$/.exec(o))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}/${m[2]}`);
  return [...new Set(teams)].slice(0, MAX_TEAMS);
}

/** Topics `team-<slug>` as `owner/slug`. */
export function topicTeams(owner: string, topics: readonly string[]): string[] {
  const teams = topics
    .map((t) => /^team-([a-z0-9][a-z0-9-]{0,48})$/.exec(t)?.[1])
    .filter((s): s is string => s !== undefined)
    .map((s) => `${owner}/${s}`);
  return [...new Set(teams)].slice(0, MAX_TEAMS);
}

async function headOf(octokit: AppOctokit, owner: string, repo: string, branch: string): Promise<string> {
  // The `sha` media type answers with the bare SHA: no commit, no file list.
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner,
    repo,
    ref: branch,
    headers: { accept: "application/vnd.github.sha" },
  });
  const sha = (
    typeof data === "string" ? data : new TextDecoder().decode(data as unknown as ArrayBuffer)
  ).trim();
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`${owner}/${repo}: ${branch} did not resolve to a commit`);
  return sha;
}

/** The teams CODEOWNERS names at `sha`, or null when it has none (or names no team for `*`). */
async function codeownersAt(octokit: AppOctokit, owner: string, repo: string, sha: string) {
  for (const path of CODEOWNERS_PATHS) {
    try {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        owner,
        repo,
        path,
        ref: sha,
        headers: { accept: "application/vnd.github.raw" },
      });
      const text = typeof data === "string" ? data : new TextDecoder().decode(data as unknown as ArrayBuffer);
      const teams = codeownersTeams(text);
      return teams.length ? teams : null;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  return null;
}

export async function sweep(o: SweepOptions): Promise<SweepSummary> {
  const summary: SweepSummary = {
    installations: 0,
    repositories: 0,
    evaluated: 0,
    unchanged: 0,
    noPolicy: 0,
    invalidPolicy: 0,
    deferred: 0,
    requests: {},
    errors: [],
  };
  const installations =
    o.installationId !== undefined ? [o.installationId] : await listInstallations(o.appOctokit);
  for (const id of installations) {
    summary.installations++;
    try {
      await sweepInstallation(o, id, summary);
    } catch (error) {
      summary.errors.push(failed(`installation ${id}`, error));
    }
  }
  o.log.info({ ...summary, errors: summary.errors.length }, "sweep finished");
  return summary;
}

async function sweepInstallation(o: SweepOptions, installationId: number, summary: SweepSummary) {
  const octokit = await o.installationOctokit(installationId);
  const meter = metered(octokit, o.budget);
  try {
    const repos = (await listRepositories(octokit)).filter(
      (r): r is RepoInfo & { id: number; defaultBranch: string } =>
        !r.archived && r.id !== undefined && r.defaultBranch !== undefined,
    );
    const seen = await sweptState(o.store.sql, installationId);
    const stale = (r: RepoInfo) => seen.get(`${r.owner}/${r.name}`.toLowerCase())?.at?.getTime() ?? 0;
    const order = repos.sort((a, b) => stale(a) - stale(b));
    let estimate = FIRST_ESTIMATE;
    summary.repositories += order.length;
    for (const [i, r] of order.entries()) {
      const full = `${r.owner}/${r.name}`;
      const last = seen.get(full.toLowerCase());
      // GitHub's listing says nothing was pushed since the head was looked at: not a request more.
      if (last?.sha && last.at && r.pushedAt && Date.parse(r.pushedAt) <= last.at.getTime()) {
        summary.unchanged++;
        continue;
      }
      if (o.budget - meter.used < estimate) {
        summary.deferred += order.length - i;
        break;
      }
      const before = meter.used;
      try {
        const outcome = await sweepRepository(o, octokit, installationId, r, last?.sha ?? null, meter);
        summary[outcome]++;
        if (outcome === "evaluated") estimate = Math.max(estimate, meter.used - before);
      } catch (error) {
        if (meter.spent) {
          summary.deferred += order.length - i;
          break;
        }
        summary.errors.push(failed(full, error));
        o.log.warn({ repository: full, err: errorForLog(error) }, "sweep: repository skipped");
      }
    }
  } finally {
    summary.requests[String(installationId)] = meter.used;
  }
}

async function sweepRepository(
  o: SweepOptions,
  octokit: AppOctokit,
  installationId: number,
  r: RepoInfo & { id: number; defaultBranch: string },
  lastSha: string | null,
  meter: { spent: boolean },
): Promise<"evaluated" | "unchanged" | "noPolicy" | "invalidPolicy"> {
  const full = `${r.owner}/${r.name}`;
  const sql = o.store.sql;
  // Before the head is read: a push after it is then newer than what the row says was seen.
  const sweptAt = o.now();
  const head = await headOf(octokit, r.owner, r.name, r.defaultBranch);
  if (head === lastSha) {
    await touchSwept(sql, full, sweptAt);
    return "unchanged";
  }
  const info = {
    repository: full,
    repositoryId: r.id,
    installationId,
    owner: r.owner,
    defaultBranch: r.defaultBranch,
    teams: topicTeams(r.owner, r.topics ?? []),
    sweptSha: head,
  };
  const lookup = await resolvePolicy(octokit, { owner: r.owner, repo: r.name }, r.defaultBranch, o.now());
  if (lookup.state === "none") {
    await saveRepository(sql, { ...info, hasPolicy: false, sweptAt });
    return "noPolicy";
  }
  if (lookup.state === "invalid") {
    // Nothing to evaluate until the policy is fixed (a push, which moves the head): pull requests show why.
    o.log.info({ repository: full }, "sweep: the default branch's policy does not validate; not evaluated");
    await saveRepository(sql, { ...info, hasPolicy: true, sweptAt });
    return "invalidPolicy";
  }
  // Judged as `readiness check --repo OWNER/NAME --ref BRANCH` judges a branch: a deployment of its head.
  const { target } = deploymentTarget(
    { owner: r.owner, name: r.name, defaultBranch: r.defaultBranch },
    { environment: "production", sha: head, ref: r.defaultBranch },
  );
  const provider = o.evidence({ octokit, owner: r.owner, repo: r.name, sha: head, log: o.log });
  const report = await runEvaluation({ policy: lookup.policy, provider, target, now: o.now() });
  const teams = (await codeownersAt(octokit, r.owner, r.name, head)) ?? info.teams;
  // Evidence refused for the budget reads as unknown: such a report is not a verdict, it is dropped.
  if (meter.spent) throw new BudgetSpent("the sweep's budget ran out during the evaluation");
  await o.store.recordVerdict({
    repository: full,
    targetKind: "branch",
    sha: head,
    report,
    installationId,
    defaultBranch: r.defaultBranch,
  });
  await saveRepository(sql, { ...info, teams, hasPolicy: true, sweptAt });
  return "evaluated";
}
