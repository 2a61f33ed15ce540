// Exactly one check run per commit and name: found again by name and this App's id, updated in place.
import type { Annotation } from "../../report/annotations.js";
import { chunk } from "../../report/annotations.js";
import type { AppOctokit } from "../octokit.js";

/** GitHub's limit on output.summary and output.text, in bytes. */
export const SUMMARY_MAX_BYTES = 65_535;
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

export type Conclusion = "success" | "failure" | "neutral";

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
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

function outputOf(o: CheckRunOutput, annotations?: Annotation[]) {
  return {
    title: clipTitle(o.title),
    summary: clipBytes(o.summary),
    ...(o.text ? { text: clipBytes(o.text) } : {}),
    ...(annotations?.length ? { annotations } : {}),
  };
}

/**
 * Marks the commit's run in_progress with `output`, creating it only when this App has none for the name.
 * GitHub shows annotations from every request, so re-used runs get them again on completion only.
 */
export async function startCheckRun(
  octokit: AppOctokit,
  loc: CheckRunLocation,
  existing: CheckRunRef | null,
  output: CheckRunOutput,
  externalId: string,
  now: Date,
): Promise<CheckRunRef> {
  if (existing) {
    const { data } = await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner: loc.owner,
      repo: loc.repo,
      check_run_id: existing.id,
      status: "in_progress",
      external_id: externalId,
      output: outputOf(output),
      actions: [REEVALUATE_ACTION],
    });
    return {
      id: Number(data.id),
      htmlUrl: data.html_url ?? existing.htmlUrl,
      status: data.status,
      externalId,
    };
  }
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

/** Writes the result: completed with a conclusion, or still in_progress (pending) when `conclusion` is null. */
export async function finishCheckRun(
  octokit: AppOctokit,
  loc: Pick<CheckRunLocation, "owner" | "repo">,
  run: CheckRunRef,
  conclusion: Conclusion | null,
  output: CheckRunOutput,
  externalId: string,
  now: Date,
): Promise<void> {
  // At most 50 annotations per request; GitHub appends those of later requests.
  const batches = chunk(output.annotations ?? []);
  const first = batches.shift();
  const base = { owner: loc.owner, repo: loc.repo, check_run_id: run.id };
  await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    ...base,
    external_id: externalId,
    ...(conclusion
      ? { status: "completed" as const, conclusion, completed_at: now.toISOString() }
      : { status: "in_progress" as const }),
    output: outputOf(output, first),
    actions: [REEVALUATE_ACTION],
  });
  for (const batch of batches) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...base,
      output: { title: clipTitle(output.title), summary: clipBytes(output.summary), annotations: batch },
    });
  }
}
