// Waivers and sign-offs recorded as slash commands in PR comments. Pure: the ledger arrives as evidence.
//
// The ledger is what the App accepted and recorded in its own comments (src/evidence/ledger-record.ts). Every
// evaluation judges each recorded command again: a grant (waive, signoff) against what its giver is now (a
// waiver by someone who lost the right no longer counts) and against its comment, which must still read as it
// did when the App accepted it (not edited, not deleted); a revocation (unwaive) holds whatever happened to its
// comment since, and whatever its giver is now. Dates are judged against the day the command was given (the
// engine handles expiry).
import type { ActorFacts, Ledger, LedgerCommand, LedgerView, Target } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { type CommandDecision, decideLedgerCommand } from "./decide.js";

/** The recorded commands, each with what has happened to its comment since. */
export function ledgerCommands(ledger: Ledger): LedgerCommand[] {
  const prs = new Map(ledger.pullRequests.map((p) => [p.number, p]));
  return ledger.entries.flatMap((entry) => {
    const { record } = entry;
    const pr = prs.get(entry.pullRequest);
    const altered =
      entry.tampered ||
      entry.source === null ||
      entry.source.edited ||
      // Given before a record of the App was altered: that record may have revoked it.
      (ledger.voidBefore !== undefined && Date.parse(record.at) <= Date.parse(ledger.voidBefore));
    return record.commands.map(
      (c): LedgerCommand => ({
        verb: c.verb,
        check: c.check,
        actor: record.actor,
        at: record.at,
        ...(c.until ? { until: c.until } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(entry.source?.url ? { url: entry.source.url } : {}),
        ...(altered ? { edited: true } : {}),
        pullRequest: entry.pullRequest,
        ...(pr?.author ? { prAuthor: pr.author } : {}),
        ...(record.sha ? { headSha: record.sha } : {}),
        ...(pr?.headSha ? { prHeadSha: pr.headSha } : {}),
      }),
    );
  });
}

/** The ledger as checks see it. */
export function ledgerView(ledger: Ledger): LedgerView {
  return { commands: ledgerCommands(ledger), actors: ledger.actors };
}

/** Author of the PR a command was posted on: recorded by the reader, else the target's PR. */
function prAuthorOf(command: LedgerCommand, target: Target): string | undefined {
  if (command.prAuthor !== undefined) return command.prAuthor;
  const pr = target.pullRequest;
  if (pr && (command.pullRequest === undefined || command.pullRequest === pr.number)) return pr.author;
  return undefined;
}

/** Commands in the order they were given, those given after `now` or with no valid time left out. */
function inOrder(ledger: LedgerView, now: Date): LedgerCommand[] {
  return ledger.commands
    .map((command, i) => ({ command, i, t: Date.parse(command.at) }))
    .filter((x) => Number.isFinite(x.t) && x.t <= now.getTime())
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.command);
}

function factsOf(ledger: LedgerView, actor: string): ActorFacts | undefined {
  return (
    ledger.actors[actor] ??
    Object.entries(ledger.actors).find(([login]) => login.toLowerCase() === actor.toLowerCase())?.[1]
  );
}

export interface LedgerEntry {
  command: LedgerCommand;
  decision: CommandDecision;
}

/** Every command of the ledger with today's decision on it, in order: for audits and for explaining a report. */
export function explainLedger(ledger: LedgerView, policy: Policy, target: Target, now: Date): LedgerEntry[] {
  return inOrder(ledger, now).map((command) => ({
    command,
    decision: decideLedgerCommand(command, {
      policy,
      actor: command.actor,
      facts: factsOf(ledger, command.actor),
      prAuthor: prAuthorOf(command, target),
    }),
  }));
}

/** A waiver given in a comment, as the engine applies it (the engine's WaiverView with source "comment"). */
export interface CommentWaiver {
  check: string;
  source: "comment";
  reason: string;
  expires: string;
  approvedBy: string;
  url?: string;
  state: "applied";
}

/**
 * Waivers granted by authorised people in PR comments, latest command per check winning. A recorded unwaive
 * always removes the waivers given before it. A waiver on a `waivable: false` check by an authorised person
 * is passed on, so the engine reports it as refused rather than it vanishing; expired waivers are passed on
 * for the engine to report.
 */
export function waiversFromLedger(
  ledger: LedgerView,
  policy: Policy,
  target: Target,
  now: Date,
): CommentWaiver[] {
  const active = new Map<string, LedgerCommand>();
  for (const { command, decision } of explainLedger(ledger, policy, target, now)) {
    if (command.verb === "signoff") continue;
    // The App accepted it when it was given: nothing done to its comment or its giver since undoes it.
    if (command.verb === "unwaive") {
      active.delete(command.check);
      continue;
    }
    const usable =
      decision.decision === "accepted" || decision.problems.every((p) => p.code === "not-waivable");
    if (usable) active.set(command.check, command);
  }
  return [...active.values()].map((c) => ({
    check: c.check,
    source: "comment",
    reason: c.reason ?? "",
    expires: c.until!,
    approvedBy: c.actor,
    ...(c.url ? { url: c.url } : {}),
    state: "applied",
  }));
}
