// What every target kind needs from the service: the policy lookups, evidence, the clock and the books.

import type { Logger } from "probot";
import type { RunOptions } from "../../engine/run.js";
import type { Report } from "../../engine/types.js";
import type { ResolvedTarget } from "../../evidence/target.js";
import type { EvidenceProvider } from "../../evidence/types.js";
import type { Policy } from "../../policy/schema.js";
import { invalidPolicyResult, type RunResult, reportResult } from "../../report/check-run.js";
import type { GateBook } from "../../store/gates.js";
import { isTimeSensitive } from "../applies.js";
import type { RunTag } from "../jobs.js";
import type { AppOctokit } from "../octokit.js";
import { isLocal, type PolicyLookup } from "../policy.js";
import type { CheckRunRef } from "../publish/check-run.js";
import type { RunPublisher } from "../publish/publisher.js";
import type { Waiters } from "../waiters.js";

export const DEFAULT_CHECK_NAME = "Production readiness";

export interface Loc {
  owner: string;
  repo: string;
}

export interface EvidenceFactoryArgs {
  octokit: AppOctokit;
  owner: string;
  repo: string;
  sha: string;
  log: Logger;
}

export interface TargetDeps {
  appId: number;
  now: () => Date;
  evidence: (args: EvidenceFactoryArgs) => EvidenceProvider;
  /** A pull request's base policy (a branch's extends bounded by the default's) and the default branch's. */
  basePolicy(
    octokit: AppOctokit,
    loc: Loc,
    base: string,
    defaultBranch: string | undefined,
  ): Promise<{ base: PolicyLookup; byDefault: PolicyLookup }>;
  /** The default branch's policy, asked every time: releases and deployments never rest on a remembered absence. */
  defaultPolicy(octokit: AppOctokit, loc: Loc, defaultBranch: string | undefined): Promise<PolicyLookup>;
  waiters: Waiters;
  /** Deployment gates waiting for a workflow, and the once-only answer (src/store/gates.ts). */
  gates: GateBook;
  /** The engine, plus the verdict history: every evaluation of every target goes through here. */
  evaluate(options: RunOptions): Promise<Report>;
  /** The verdict history alone, for a report assembled from several evaluations (a monorepo's projects). */
  recorded(report: Report): void;
  /** The check run a recorded report was published on (the dashboard links it). */
  published?(report: Report, checkRunUrl: string): void;
  /** Serialises the evaluations of one commit (see ../locks.ts). */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
  count(context: string, verdict: string, started: number): void;
}

/**
 * The run's name: the default branch's `gate.checkName`. Only maintainers write there, so no branch's policy
 * can make the App post under the name of another required check.
 */
export function gateName(defaultLookup: PolicyLookup): string {
  return defaultLookup.state === "ok" ? defaultLookup.policy.gate.checkName : DEFAULT_CHECK_NAME;
}

/** A short, safe description of why GitHub did not answer: status and message, never request headers. */
export function describeFailure(error: unknown): string {
  const e = error as { status?: number; message?: string; name?: string; response?: unknown };
  const message = (e?.message ?? String(error)).split("\n")[0]!.slice(0, 300);
  // Octokit gives a request that got no answer (a timeout, a reset) status 500 but no response.
  return e?.status && e.response ? `GitHub answered ${e.status}: ${message}` : message;
}

export function linkTo(url: string | undefined): string {
  return url ? `[Check run](${url})` : "";
}

/** The run's result when the deciding policy does not validate. */
export function invalidResult(
  lookup: Extract<PolicyLookup, { state: "invalid" }>,
  loc: Loc,
  where: string,
): RunResult {
  const { source, errors } = lookup;
  const local = isLocal(source, loc);
  return invalidPolicyResult({
    errors,
    place: local ? `\`${source.path}\`` : `\`${source.path}\` in \`${source.repo}\``,
    where,
    ...(local ? { annotatePath: source.path } : {}),
  });
}

/** A release's or a deployment's evaluation on its own run: "Evaluating…" at once, then the result. */
export async function evaluateOnRun(
  deps: TargetDeps,
  octokit: AppOctokit,
  log: Logger,
  publisher: RunPublisher,
  policy: Policy,
  target: ResolvedTarget["target"],
  tag: RunTag,
): Promise<{ report: Report; run: CheckRunRef }> {
  await publisher.begin(tag);
  const { owner, name: repo } = target.repository;
  const provider = deps.evidence({ octokit, owner, repo, sha: target.sha, log });
  const report = await deps.evaluate({ policy, provider, target, now: deps.now() });
  const result = reportResult(report, {
    checkName: publisher.name,
    timeSensitive: isTimeSensitive(policy, report),
  });
  const { run } = await publisher.publish(result, tag);
  if (run.htmlUrl) deps.published?.(report, run.htmlUrl);
  return { report, run };
}
