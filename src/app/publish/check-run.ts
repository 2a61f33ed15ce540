// Exactly one check run per commit and name: found again by name and this App's id, updated in place.
import type { Annotation } from "../../report/annotations.js";
import { chunk } from "../../report/annotations.js";
import { type CheckRunOutput, type Conclusion, SUMMARY_MAX_BYTES } from "../../report/check-run.js";
import type { AppOctokit } from "../octokit.js";

export type { CheckRunOutput, Conclusion };
export { SUMMARY_MAX_BYTES };

const TITLE_MAX = 255;

export const REEVALUATE_ACTION = {
  label: "Re-evaluate",
  description: "Evaluate readiness again",
  identifier: "reevaluate",
} as const;

export interface CheckRunLocation {
  owner: string;
  repo: string;
  sha: string;
  name: string;
  appId: number;
}

export interface CheckRunRef {
  id: number;
  htmlUrl?: string;
  status: string;
  conclusion?: string | null;
  externalId?: string | null;
}

const clipTitle = (t: string): string => (t.length > TITLE_MAX ? `${t.slice(0, TITLE_MAX - 1)}…` : t);

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function clipBytes(text: string, max = SUMMARY_MAX_BYTES): string {
  if (Buffer.byteLength(text, "utf8") <= max) return text;
  const suffix = "\n\n…(cut to fit GitHub's limit)";
  let out = Buffer.from(text, "utf8")
    .subarray(0, max - Buffer.byteLength(suffix))
    .toString("utf8");
  if (out.endsWith("\uFFFD")) out = out.slice(0, -1);
  return out + suffix;
}

export async function findCheckRun(octokit: AppOctokit, loc: CheckRunLocation): Promise<CheckRunRef | null> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: loc.owner,
    repo: loc.repo,
    ref: loc.sha,
    check_name: loc.name,
    app_id: loc.appId,
    filter: "latest",
    per_page: 10,
  });
  // app_id filters already; the name check guards against GitHub matching loosely.
  const run = data.check_runs.find((r) => r.name === loc.name && (r.app?.id ?? loc.appId) === loc.appId);
  if (!run) return null;
  return {
    id: Number(run.id),
    htmlUrl: run.html_url ?? undefined,
    status: run.status,
    conclusion: run.conclusion,
    externalId: run.external_id,
  };
}

/**
 * This App's latest runs on the commit that concluded success under another name than `except`. When the policy
 * cannot be read or does not validate, the configured `gate.checkName` is unknown; a GO left under that name
 * must not outlive the failure.
 */
export async function otherPassingRuns(
  octokit: AppOctokit,
  loc: Omit<CheckRunLocation, "name">,
  except: string,
): Promise<(CheckRunRef & { name: string })[]> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    owner: loc.owner,
    repo: loc.repo,
    ref: loc.sha,
    app_id: loc.appId,
    filter: "latest",
    per_page: 100,
  });
  return data.check_runs
    .filter((r) => r.name !== except && r.conclusion === "success" && (r.app?.id ?? loc.appId) === loc.appId)
    .map((r) => ({
      name: r.name,
      id: Number(r.id),
      htmlUrl: r.html_url ?? undefined,
      status: r.status,
      conclusion: r.conclusion,
      externalId: r.external_id,
    }));
}

function outputOf(o: CheckRunOutput, annotations?: Annotation[]) {
  return {
    title: clipTitle(o.title),
    summary: clipBytes(o.summary),
    ...(o.text ? { text: clipBytes(o.text) } : {}),
    ...(annotations?.length ? { annotations } : {}),
  };
}

/** Creates the commit's run in_progress, before evidence is collected (only when the App has none yet). */
export async function startCheckRun(
  octokit: AppOctokit,
  loc: CheckRunLocation,
  output: CheckRunOutput,
  externalId: string,
  now: Date,
): Promise<CheckRunRef> {
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
    owner: loc.owner,
    repo: loc.repo,
    name: loc.name,
    head_sha: loc.sha,
    status: "in_progress",
    started_at: now.toISOString(),
    external_id: externalId,
    output: outputOf(output),
    actions: [REEVALUATE_ACTION],
  });
  return { id: Number(data.id), htmlUrl: data.html_url ?? undefined, status: data.status, externalId };
}

export interface CheckRunResult {
  /** null: pending, the run stays in_progress. */
  conclusion: Conclusion | null;
  output: CheckRunOutput;
  /** external_id: what the run is for, and the result's fingerprint (see ../jobs.ts RunTag). */
  externalId: string;
  /** Identifies the result regardless of when it was computed; equal fingerprints, nothing to write. */
  fingerprint: string;
}

export type WriteOutcome = "created" | "updated" | "unchanged";

/**
 * Writes a result on the commit's run. GitHub freezes a run's status and conclusion once it is completed
 * (a PATCH cannot reopen it or change its conclusion), so:
 * - a run still queued or in_progress (created at the start of this evaluation, or left pending) is updated
 *   in place;
 * - a completed run whose result is unchanged (same conclusion and fingerprint) is left as it is: no write;
 * - a completed run whose result changed is superseded by a new run of the same name, which GitHub, the pull
 *   request and branch protection follow from then on (the latest run of a name counts).
 */
export async function writeCheckRun(
  octokit: AppOctokit,
  loc: CheckRunLocation,
  current: CheckRunRef | null,
  result: CheckRunResult,
  fingerprintOf: (run: CheckRunRef) => string | undefined,
  now: Date,
): Promise<{ run: CheckRunRef; outcome: WriteOutcome }> {
  const batches = chunk(result.output.annotations ?? []);
  const first = batches.shift();
  const state = result.conclusion
    ? { status: "completed" as const, conclusion: result.conclusion, completed_at: now.toISOString() }
    : { status: "in_progress" as const };
  let run: CheckRunRef;
  let outcome: WriteOutcome;
  if (current && current.status !== "completed") {
    const { data } = await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: loc.owner,
      repo: loc.repo,
      check_run_id: current.id,
      external_id: result.externalId,
      ...state,
      output: outputOf(result.output, first),
      actions: [REEVALUATE_ACTION],
    });
    run = {
      ...current,
      htmlUrl: data.html_url ?? current.htmlUrl,
      status: data.status,
      externalId: result.externalId,
    };
    outcome = "updated";
  } else if (
    current &&
    current.conclusion === result.conclusion &&
    fingerprintOf(current) !== undefined &&
    fingerprintOf(current) === result.fingerprint
  ) {
    return { run: current, outcome: "unchanged" };
  } else {
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: loc.owner,
      repo: loc.repo,
      name: loc.name,
      head_sha: loc.sha,
      started_at: now.toISOString(),
      external_id: result.externalId,
      ...state,
      output: outputOf(result.output, first),
      actions: [REEVALUATE_ACTION],
    });
    run = {
      id: Number(data.id),
      htmlUrl: data.html_url ?? undefined,
      status: data.status,
      externalId: result.externalId,
    };
    outcome = "created";
  }
  // At most 50 annotations per request; GitHub appends those of later requests.
  for (const batch of batches) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: loc.owner,
      repo: loc.repo,
      check_run_id: run.id,
      output: {
        title: clipTitle(result.output.title),
        summary: clipBytes(result.output.summary),
        annotations: batch,
      },
    });
  }
  return { run, outcome };
}

/** Completes a run no evaluation will finish (one cut short on a commit that is no longer a head): cancelled. */
export async function cancelCheckRun(
  octokit: AppOctokit,
  loc: { owner: string; repo: string },
  id: number,
  externalId: string,
  summary: string,
  now: Date,
): Promise<void> {
  await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    owner: loc.owner,
    repo: loc.repo,
    check_run_id: id,
    status: "completed",
    conclusion: "cancelled",
    completed_at: now.toISOString(),
    external_id: externalId,
    output: { title: "Cancelled: the pull request moved on", summary: clipBytes(summary) },
  });
}
