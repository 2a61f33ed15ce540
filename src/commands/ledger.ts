// Waivers and sign-offs recorded as slash commands in PR comments. Pure: the ledger arrives as evidence.
//
// Every evaluation re-reads the whole ledger and judges each command again: people against what they are now
// (a waiver by someone who lost the right no longer counts), dates against the day the command was given (so a
// waiver does not become "too far ahead" or "in the past" by the mere passing of time; the engine handles expiry).
import type { WaiverView } from "../engine/types.js";
import type { ActorFacts, Ledger, LedgerCommand, Target } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { type CommandDecision, decideLedgerCommand } from "./decide.js";

/** Author of the PR a command was posted on: recorded by fetchLedger, else the target's PR. */
function prAuthorOf(command: LedgerCommand, target: Target): string | undefined {
  if (command.prAuthor !== undefined) return command.prAuthor;
  const pr = target.pullRequest;
  if (pr && (command.pullRequest === undefined || command.pullRequest === pr.number)) return pr.author;
  return undefined;
}

/** Commands in the order they were given, those given after `now` or with no valid time left out. */
function inOrder(ledger: Ledger, now: Date): LedgerCommand[] {
  return ledger.commands
    .map((command, i) => ({ command, i, t: Date.parse(command.at) }))
    .filter((x) => Number.isFinite(x.t) && x.t <= now.getTime())
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.command);
}

function factsOf(ledger: Ledger, actor: string): ActorFacts | undefined {
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
export function explainLedger(ledger: Ledger, policy: Policy, target: Target, now: Date): LedgerEntry[] {
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

/**
 * Waivers granted by authorised people in PR comments, latest command per check winning. Edited comments and
 * bots never count. A waiver on a `waivable: false` check by an authorised person is passed on, so the engine
 * reports it as refused rather than it vanishing; expired waivers are passed on for the engine to report.
 */
export function waiversFromLedger(ledger: Ledger, policy: Policy, target: Target, now: Date): WaiverView[] {
  const active = new Map<string, LedgerCommand>();
  for (const { command, decision } of explainLedger(ledger, policy, target, now)) {
    if (command.verb === "signoff") continue;
    const usable =
      decision.decision === "accepted" ||
      (command.verb === "waive" && decision.problems.every((p) => p.code === "not-waivable"));
    if (!usable) continue;
    active.delete(command.check);
    if (command.verb === "waive") active.set(command.check, command);
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
