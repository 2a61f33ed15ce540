// policy + facts + now → report. Pure: no I/O, no clock, no randomness.
import { kindOf } from "../checks/registry.js";
import type { CheckStatus, KindResult } from "../checks/types.js";
import { ledgerView, waiversFromLedger } from "../commands/ledger.js";
import type { FileIndex } from "../evidence/file-index.js";
import {
  type Fact,
  type Facts,
  GITHUB_ONLY,
  known,
  type LedgerView,
  type Need,
  type NeedOf,
  needKey,
  type Target,
} from "../evidence/types.js";
import { type CheckDef, DEFAULT_CATEGORY, kindNameOf, type Policy } from "../policy/schema.js";
import { scoreReport } from "./score.js";
import type { CheckReport, Report, TargetSummary, WaiverView } from "./types.js";
import { applyWaivers, policyWaivers } from "./waivers.js";

const CONTEXT_LABEL: Record<string, string> = {
  pull_request: "pull requests",
  release: "releases",
  deployment: "deployments",
  local: "local checkouts",
};

/** Why a check does not apply to this target, or null when it does. */
export function skipReason(check: CheckDef, target: Target): string | null {
  const kind = kindOf(kindNameOf(check));
  if (!kind.appliesTo.includes(target.context)) {
    return `${kind.name} checks apply to ${kind.appliesTo.map((c) => CONTEXT_LABEL[c]).join(", ")} only`;
  }
  if (check.contexts && !check.contexts.includes(target.context)) {
    return `this check is limited to ${check.contexts.map((c) => CONTEXT_LABEL[c]).join(", ")}`;
  }
  return null;
}

/** Teams whose membership the ledger must report: signoff teams and waiver teams. */
function ledgerTeams(policy: Policy): string[] {
  const teams = new Set(policy.commands.waive.teams);
  for (const check of Object.values(policy.checks)) for (const t of check.signoff?.teams ?? []) teams.add(t);
  return [...teams].sort();
}

export function ledgerNeed(policy: Policy): NeedOf<"ledger"> {
  return { type: "ledger", teams: ledgerTeams(policy) };
}

/** The union of evidence the applicable checks declare. Called again once the file index is known. */
export function collectNeeds(policy: Policy, target: Target, files: FileIndex | null): Need[] {
  const needs = new Map<string, Need>();
  const add = (n: Need) => needs.set(needKey(n), n);
  for (const check of Object.values(policy.checks)) {
    if (skipReason(check, target)) continue;
    const name = kindNameOf(check);
    try {
      for (const n of kindOf(name).needs(check[name], { target, files })) add(n);
    } catch {
      // evaluate() will report the same fault as an error result
    }
  }
  // Waivers and sign-offs recorded in PR comments; a local checkout has none.
  if (target.context !== "local") add(ledgerNeed(policy));
  return [...needs.values()];
}

function evaluateCheck(
  id: string,
  check: CheckDef,
  facts: Facts,
  target: Target,
  now: Date,
  ledger: Fact<LedgerView> | null,
): KindResult | null {
  const name = kindNameOf(check);
  try {
    const result = kindOf(name).evaluate(check[name], {
      checkId: id,
      target,
      facts,
      now,
      ...(ledger ? { ledger } : {}),
    });
    if (!(result.credit >= 0 && result.credit <= 1))
      throw new Error(`credit ${result.credit} is outside 0..1`);
    return result;
  } catch {
    return null;
  }
}

export function summarizeTarget(target: Target): TargetSummary {
  const t: TargetSummary = { context: target.context };
  if (target.repository) t.repository = `${target.repository.owner}/${target.repository.name}`;
  if (target.sha) t.sha = target.sha;
  if (target.ref) t.ref = target.ref;
  if (target.pullRequest) t.pullRequest = target.pullRequest.number;
  if (target.release) t.release = target.release.tag;
  if (target.deployment) t.environment = target.deployment.environment;
  return t;
}

export interface EvaluateOptions {
  target: Target;
  now: Date;
}

export function evaluatePolicy(policy: Policy, facts: Facts, { target, now }: EvaluateOptions): Report {
  const checks: CheckReport[] = [];
  const read = target.context === "local" ? null : facts.get(ledgerNeed(policy));
  const ledger: Fact<LedgerView> | null = read?.state === "ok" ? known(ledgerView(read.value)) : read;
  for (const [id, check] of Object.entries(policy.checks)) {
    const kind = kindNameOf(check);
    const base = {
      id,
      title: check.title ?? id,
      category: check.category ?? DEFAULT_CATEGORY,
      kind,
      required: check.required,
      weight: check.weight,
      waiver: null,
      waivable: check.waivable,
      cost: 0,
    };
    const skipped = skipReason(check, target);
    if (skipped) {
      checks.push({ ...base, status: "skipped", credit: 0, summary: `Skipped: ${skipped}.` });
      continue;
    }
    const result = evaluateCheck(id, check, facts, target, now, ledger);
    if (!result) {
      checks.push({
        ...base,
        status: "error",
        credit: 0,
        summary: "The check could not be evaluated (internal error); the gate fails closed.",
        ...(check.fix ? { fix: check.fix } : {}),
      });
      continue;
    }
    const status: CheckStatus = result.status;
    // The policy's fix answers a failure; evidence that could not be had (a shallow clone, a permission) has
    // its own, and the author's "write the runbook" would send people the wrong way.
    const fix = status === "unknown" ? result.fix : (check.fix ?? result.fix);
    checks.push({
      ...base,
      status,
      credit: status === "pass" ? 1 : result.credit,
      summary: result.summary,
      ...(result.details?.length ? { details: result.details } : {}),
      ...(result.evidence?.length ? { evidence: result.evidence } : {}),
      ...(result.locations?.length && status !== "pass" ? { locations: result.locations } : {}),
      ...(fix && status !== "pass" && status !== "skipped" ? { fix } : {}),
    });
  }

  const notes: string[] = [];
  // Said once, not per check: a local run leaves GitHub-only checks to the App, and cannot read what only
  // GitHub knows (each such check's summary says what); how to ask GitHub is said here.
  if (target.context === "local") {
    const left = Object.entries(policy.checks)
      .filter(([, c]) => c.contexts && !c.contexts.includes("local") && c.contexts.length > 0)
      .map(([id]) => id);
    const unread = checks
      .filter((c) => c.status === "unknown" && c.summary.includes(GITHUB_ONLY))
      .map((c) => c.id);
    const n = (k: number) => (k === 1 ? "1 check" : `${k} checks`);
    const parts = [
      ...(left.length
        ? [`${n(left.length)} ${left.length === 1 ? "is" : "are"} left to GitHub (${left.join(", ")})`]
        : []),
      ...(unread.length
        ? [
            `${n(unread.length)} ${unread.length === 1 ? "needs" : "need"} evidence only GitHub has (${unread.join(", ")})`,
          ]
        : []),
    ];
    const them = left.length + unread.length === 1 ? "it" : "them";
    if (parts.length > 0)
      notes.push(
        `${parts.join("; ")}: the App evaluates ${them} on pull requests, releases and deployments; \`readiness check --repo OWNER/NAME --ref REF\` (with GITHUB_TOKEN) does now.`,
      );
  }
  let fromComments: WaiverView[] = [];
  if (ledger?.state === "ok") {
    fromComments = waiversFromLedger(ledger.value, policy, target, now);
  } else if (ledger?.state === "unknown") {
    notes.push(`Waivers from pull request comments could not be read: ${ledger.reason}`);
  }
  const waivers = applyWaivers(checks, [...policyWaivers(policy), ...fromComments], policy, now, notes);
  return scoreReport({ policy, checks, waivers, notes, target: summarizeTarget(target), now });
}
