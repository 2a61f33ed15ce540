// How missed webhooks heal, and how results that change with time alone (a waiver expires, a file ages past
// maxAgeDays) get written: for every installation and repository, revisit the open release PRs whose result
// can have changed without an event, whose check run was left in_progress or never written, or whose sticky
// comment is missing or not the one its run records; and answer the deployments waiting on this App's
// protection rule (a missed deployment_protection_rule webhook would otherwise hold them for GitHub's 30 days).

import { errorForLog, explain, toFailure } from "../evidence/github/failure.js";
import { COMMENT_MARKER } from "../report/markdown.js";
import { gatesPullRequest, isTimeSensitive } from "./applies.js";
import { formatRunTag, type Job, type PullRequestData, parseRunTag } from "./jobs.js";
import { listOpenPullRequests } from "./lookup.js";
import type { AppOctokit } from "./octokit.js";
import { type PolicyLookup, resolveBranchPolicy, resolvePolicy } from "./policy.js";
import { cancelCheckRun, findCheckRun } from "./publish/check-run.js";
import { commentHash, findSticky } from "./publish/comment.js";
import { gateName } from "./targets/types.js";

export interface ReconcileLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ReconcileOptions {
  /** Authenticated as the App (JWT): lists installations. */
  appOctokit: AppOctokit;
  installationOctokit: (installationId: number) => Promise<AppOctokit>;
  appId: number;
  now: () => Date;
  log: ReconcileLog;
  /** Takes a pull request evaluation: the server queues it, the CLI runs it. */
  submit: (job: Job) => void | Promise<void>;
  installationId?: number;
  /** `owner/name`: one repository only. */
  repository?: string;
  /** List what would be re-evaluated, without evaluating. */
  dryRun?: boolean;
  /**
   * The store's row for a deployment gate (src/store), when there is a store: an answered gate is not
   * evaluated again, a pending one is evaluated with the job it recorded (its progress-note count).
   */
  gate?: (g: { owner: string; repo: string; runId: number; environment: string }) => Promise<{
    answered: boolean;
    job: Job;
  } | null>;
}

export interface ReconcileSummary {
  installations: number;
  repositories: number;
  pullRequests: number;
  gated: number;
  reevaluated: number;
  upToDate: number;
  /** Runs left in_progress on earlier commits of a pull request, completed as cancelled. */
  cancelled: number;
  /** Deployments waiting on this App's protection rule, evaluated (and answered) again. */
  deployments: number;
  errors: string[];
  /** `owner/name#number: why`, for the CLI to print. */
  decisions: string[];
}

export interface RepoInfo {
  owner: string;
  name: string;
  defaultBranch?: string;
  archived?: boolean;
  /** For the sweep (src/app/sweep.ts), from the same listing. */
  id?: number;
  topics?: string[];
  pushedAt?: string;
}

export async function listInstallations(octokit: AppOctokit): Promise<number[]> {
  const ids: number[] = [];
  for await (const page of octokit.paginate.iterator("GET /app/installations", { per_page: 100 })) {
    for (const inst of page.data) ids.push(inst.id);
  }
  return ids;
}

/** The installation's repositories, 100 a page, at most `maxPages` pages. */
export async function listRepositories(
  octokit: AppOctokit,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<RepoInfo[]> {
  const repos: RepoInfo[] = [];
  let pages = 0;
  for await (const page of octokit.paginate.iterator("GET /installation/repositories", { per_page: 100 })) {
    if (++pages > maxPages) break;
    // paginate unwraps { repositories: [...] } into the list itself.
    const list = (
      Array.isArray(page.data) ? page.data : (page.data as { repositories: unknown[] }).repositories
    ) as {
      id?: number;
      name: string;
      owner: { login: string };
      default_branch?: string;
      archived?: boolean;
      topics?: string[];
      pushed_at?: string | null;
    }[];
    for (const r of list)
      repos.push({
        owner: r.owner.login,
        name: r.name,
        ...(r.default_branch ? { defaultBranch: r.default_branch } : {}),
        ...(r.archived ? { archived: true } : {}),
        ...(typeof r.id === "number" ? { id: r.id } : {}),
        ...(Array.isArray(r.topics) ? { topics: r.topics.slice(0, 50) } : {}),
        ...(r.pushed_at ? { pushedAt: r.pushed_at } : {}),
      });
  }
  return repos;
}

/**
 * Why a gated PR needs a new evaluation now, or null when its last result still holds; `unfinished`: its
 * head has no finished run (a missed webhook, or a shutdown or crash in the middle of an evaluation).
 */
async function staleReason(
  octokit: AppOctokit,
  repo: RepoInfo,
  pr: PullRequestData,
  checkName: () => Promise<string>,
  appId: number,
  timeSensitivePolicy: boolean,
): Promise<{ why: string; unfinished: boolean } | null> {
  if (timeSensitivePolicy) return { why: "the policy has waivers or maxAgeDays limits", unfinished: false };
  const run = await findCheckRun(octokit, {
    owner: repo.owner,
    repo: repo.name,
    sha: pr.headSha,
    name: await checkName(),
    appId,
  });
  if (!run) return { why: "no check run on its head commit (a missed webhook?)", unfinished: true };
  if (run.status !== "completed") return { why: `its check run was left ${run.status}`, unfinished: true };
  const tag = parseRunTag(run.externalId);
  const stale = (why: string) => ({ why, unfinished: false });
  if (tag?.incomplete) return stale("its last evaluation could not read everything from GitHub");
  if (tag?.timeSensitive) return stale("its last result depended on waivers that expire");
  // The run is written before the sticky comment it records: a failed comment write leaves this.
  if (tag?.comment?.pr === pr.number) {
    const found = await findSticky(octokit, {
      owner: repo.owner,
      repo: repo.name,
      number: pr.number,
      appId,
      marker: COMMENT_MARKER,
    });
    if (!found) return stale("its sticky comment is missing");
    if (commentHash(found.body ?? "") !== tag.comment.hash) return stale("its sticky comment is out of date");
  }
  return null;
}

/** Earlier commits of a pull request looked at for runs an interrupted evaluation left behind. */
const EARLIER_HEADS = 5;

/**
 * Runs of ours left in_progress on a pull request's earlier commits: an evaluation cut short by the same
 * shutdown or crash after the PR had moved on. No pull request shows them and nothing else would finish
 * them, so they are completed as cancelled, tagged incomplete (were the commit a head again, reconcile would
 * evaluate it). Best effort: a failure here is logged and changes nothing else.
 */
async function cancelEarlierRuns(
  o: ReconcileOptions,
  octokit: AppOctokit,
  repo: RepoInfo,
  pr: PullRequestData,
  checkName: string,
): Promise<number> {
  const loc = { owner: repo.owner, repo: repo.name };
  let cancelled = 0;
  try {
    // The first 100 commits, oldest first: a release PR's recent heads are among them.
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits", {
      ...loc,
      pull_number: pr.number,
      per_page: 100,
    });
    const earlier = data
      .map((c) => c.sha)
      .filter((sha) => sha !== pr.headSha)
      .slice(-EARLIER_HEADS);
    for (const sha of earlier) {
      const run = await findCheckRun(octokit, { ...loc, sha, name: checkName, appId: o.appId });
      if (!run || run.status === "completed") continue;
      const tag = parseRunTag(run.externalId) ?? { context: "pull_request" as const, pr: pr.number };
      await cancelCheckRun(
        octokit,
        loc,
        run.id,
        formatRunTag({ ...tag, incomplete: true }),
        `Pull request #${pr.number} moved on to ${pr.headSha.slice(0, 7)} before this evaluation of an earlier commit finished (the App was stopped). Its current head is evaluated instead.`,
        o.now(),
      );
      cancelled++;
    }
  } catch (error) {
    o.log.debug({ err: errorForLog(error), pr: pr.number }, "reconcile: earlier commits not checked");
  }
  return cancelled;
}

/** A failed GitHub request as a sentence (credentials, permission, rate limit, network); anything else as is. */
export function failed(subject: string, error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number"
    ? explain(toFailure(error), subject)
    : `${subject}: ${errorForLog(error).message}`;
}

export async function reconcile(o: ReconcileOptions): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    installations: 0,
    repositories: 0,
    pullRequests: 0,
    gated: 0,
    reevaluated: 0,
    upToDate: 0,
    cancelled: 0,
    deployments: 0,
    errors: [],
    decisions: [],
  };
  const installations =
    o.installationId !== undefined ? [o.installationId] : await listInstallations(o.appOctokit);
  for (const installationId of installations) {
    summary.installations++;
    let octokit: AppOctokit;
    let repos: RepoInfo[];
    try {
      octokit = await o.installationOctokit(installationId);
      repos = await listRepositories(octokit);
    } catch (error) {
      summary.errors.push(failed(`installation ${installationId}`, error));
      continue;
    }
    for (const repo of repos) {
      const full = `${repo.owner}/${repo.name}`;
      if (repo.archived) continue;
      if (o.repository && o.repository.toLowerCase() !== full.toLowerCase()) continue;
      summary.repositories++;
      try {
        await reconcileRepository(o, octokit, installationId, repo, summary);
      } catch (error) {
        summary.errors.push(failed(full, error));
        o.log.warn({ repository: full, err: errorForLog(error) }, "reconcile: repository skipped");
      }
      try {
        await reconcileDeployments(o, octokit, installationId, repo, summary);
      } catch (error) {
        summary.errors.push(failed(`${full} (waiting deployments)`, error));
        o.log.warn({ repository: full, err: errorForLog(error) }, "reconcile: waiting deployments skipped");
      }
    }
  }
  o.log.info({ ...summary, decisions: summary.decisions.length }, "reconcile finished");
  return summary;
}

async function reconcileRepository(
  o: ReconcileOptions,
  octokit: AppOctokit,
  installationId: number,
  repo: RepoInfo,
  summary: ReconcileSummary,
): Promise<void> {
  const loc = { owner: repo.owner, repo: repo.name };
  const prs = await listOpenPullRequests(octokit, loc);
  summary.pullRequests += prs.length;
  const bases = new Map<string, PullRequestData[]>();
  for (const pr of prs) bases.set(pr.baseRef, [...(bases.get(pr.baseRef) ?? []), pr]);
  // The run's name comes from the default branch's policy alone (see targets/types.ts gateName).
  let byDefault: Promise<PolicyLookup> | undefined;
  const defaultPolicy = () => {
    byDefault ??= resolvePolicy(octokit, loc, repo.defaultBranch ?? "HEAD", o.now());
    return byDefault;
  };
  for (const [base, list] of bases) {
    const lookup =
      base === repo.defaultBranch
        ? await defaultPolicy()
        : await resolveBranchPolicy(octokit, loc, base, o.now(), defaultPolicy);
    if (lookup.state === "none") continue;
    for (const pr of list) {
      const gated = lookup.state === "invalid" || gatesPullRequest(lookup.policy, pr);
      if (!gated) continue;
      summary.gated++;
      const name = async () => gateName(await defaultPolicy());
      const timed = lookup.state === "ok" && isTimeSensitive(lookup.policy);
      const stale = await staleReason(octokit, repo, pr, name, o.appId, timed);
      const label = `${repo.owner}/${repo.name}#${pr.number}`;
      if (!stale) {
        summary.upToDate++;
        continue;
      }
      summary.decisions.push(`${label}: ${stale.why}`);
      summary.reevaluated++;
      if (o.dryRun) continue;
      if (stale.unfinished) summary.cancelled += await cancelEarlierRuns(o, octokit, repo, pr, await name());
      await o.submit({
        type: "pull_request",
        installationId,
        owner: repo.owner,
        repo: repo.name,
        ...(repo.defaultBranch ? { defaultBranch: repo.defaultBranch } : {}),
        deliveries: [],
        reason: "reconcile",
        number: pr.number,
        sha: pr.headSha,
        pr,
      });
    }
  }
}

/** Workflow runs looked at per repository for deployments waiting (the newest first; one page). */
const WAITING_RUNS = 100;

/**
 * Deployments waiting on this App's protection rule: workflow runs in `waiting`, their pending environments,
 * and of those the environments whose custom protection rules include this App (others belong to people or
 * other Apps). Each is submitted as the deployment job the webhook would have made; its answer goes through
 * the gate book (the store's row, when there is one), so it is sent once whoever evaluates it.
 */
async function reconcileDeployments(
  o: ReconcileOptions,
  octokit: AppOctokit,
  installationId: number,
  repo: RepoInfo,
  summary: ReconcileSummary,
): Promise<void> {
  const loc = { owner: repo.owner, repo: repo.name };
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs", {
    ...loc,
    status: "waiting",
    per_page: WAITING_RUNS,
  });
  if (data.workflow_runs.length === 0) return;
  const ours = new Map<string, Promise<boolean>>();
  const owned = (environment: string) => {
    let known = ours.get(environment);
    if (!known) {
      known = octokit
        .request("GET /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules", {
          ...loc,
          environment_name: environment,
        })
        .then(
          ({ data: rules }) =>
            (rules.custom_deployment_protection_rules ?? []).some((r) => r.enabled && r.app?.id === o.appId),
          (error: unknown) => {
            // An environment deleted meanwhile has no rules of ours.
            if ((error as { status?: number }).status === 404) return false;
            throw error;
          },
        );
      ours.set(environment, known);
    }
    return known;
  };
  for (const run of data.workflow_runs) {
    const runId = Number(run.id);
    const { data: pending } = await octokit.request(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments",
      { ...loc, run_id: runId },
    );
    for (const p of pending) {
      const environment = p.environment.name;
      if (!environment || !(await owned(environment))) continue;
      const label = `${repo.owner}/${repo.name} run ${runId} → ${environment}`;
      const row = await o.gate?.({ ...loc, runId, environment });
      if (row?.answered) {
        summary.decisions.push(`${label}: answered already (the store's gate row); left as it is`);
        continue;
      }
      summary.deployments++;
      summary.decisions.push(`${label}: deployment waiting on this App's protection rule`);
      if (o.dryRun) continue;
      const job: Job = row?.job ?? {
        type: "deployment",
        installationId,
        owner: repo.owner,
        repo: repo.name,
        ...(repo.defaultBranch ? { defaultBranch: repo.defaultBranch } : {}),
        deliveries: [],
        reason: "reconcile",
        deployment: {
          environment,
          sha: run.head_sha,
          ...(run.head_branch ? { ref: run.head_branch } : {}),
          runId,
        },
      };
      await o.submit({ ...job, reason: "reconcile" });
    }
  }
}
