// One decision per command, shared by the App's reply, the audit log and the ledger read at evaluation time.
import type { ActorFacts, LedgerCommand } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { authorize, type Problem, type RefusalCode, type ResolvedCommand } from "./authorize.js";
import { addDays, utcDay } from "./dates.js";
import type { ParsedCommand, ParsedLine, Verb } from "./parse.js";

export interface DecideContext {
  policy: Pick<Policy, "commands" | "checks">;
  /** Login of the comment's author. */
  actor: string;
  /** What the actor is now; undefined when it could not be read (state-changing commands are then refused). */
  facts: ActorFacts | undefined;
  /** Author of the pull request the comment is on; undefined when unknown. */
  prAuthor?: string | undefined;
  /** When the comment was posted: `for 14d` counts from this UTC day, and expiry rules are judged against it. */
  postedAt: Date;
  /** The comment was edited after it was posted. */
  edited?: boolean;
}

export interface CommandDecision {
  actor: string;
  /** The command line as written (for replies and the audit log). */
  text: string;
  /** null when the line had no recognisable verb. */
  verb: Verb | null;
  check?: string;
  /** Resolved waiver expiry, YYYY-MM-DD. */
  until?: string;
  /** The waiver's reason, or the unwaive reason / sign-off note. */
  reason?: string;
  decision: "accepted" | "refused";
  /** Why: who authorised it, or the main problem. */
  explanation: string;
  code?: RefusalCode | undefined;
  /** Every problem found, the main one first; empty when accepted. */
  problems: Problem[];
  /** The right form(s) of the command, when refused. */
  usage: string[];
  /** "Did you mean" candidates. */
  suggestions: string[];
}

/** `for 14d` becomes a day counted from the posting day (UTC); `until` stays as written. */
export function resolveCommand(command: ParsedCommand, postedAt: Date): ResolvedCommand {
  switch (command.verb) {
    case "waive": {
      const day = utcDay(postedAt);
      const until =
        command.expiry.kind === "until"
          ? command.expiry.date
          : day
            ? addDays(day, command.expiry.days)
            : undefined;
      return { verb: "waive", check: command.check, reason: command.reason, ...(until ? { until } : {}) };
    }
    case "unwaive":
      return { verb: "unwaive", check: command.check, ...(command.reason ? { reason: command.reason } : {}) };
    case "signoff":
      return { verb: "signoff", check: command.check, ...(command.note ? { reason: command.note } : {}) };
    default:
      return { verb: command.verb };
  }
}

/** The ledger's form of a command: only waive, unwaive and signoff are recorded. */
export function toLedgerCommand(
  command: ParsedCommand,
  meta: { actor: string; at: string; url?: string; edited?: boolean },
): LedgerCommand | null {
  if (command.verb !== "waive" && command.verb !== "unwaive" && command.verb !== "signoff") return null;
  const r = resolveCommand(command, new Date(meta.at));
  return {
    verb: command.verb,
    check: command.check,
    actor: meta.actor,
    at: meta.at,
    ...(r.until ? { until: r.until } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(meta.url ? { url: meta.url } : {}),
    ...(meta.edited ? { edited: true } : {}),
  };
}

function decide(text: string, command: ResolvedCommand, ctx: DecideContext): CommandDecision {
  const auth = authorize({
    policy: ctx.policy,
    command,
    actor: ctx.actor,
    facts: ctx.facts,
    prAuthor: ctx.prAuthor,
    now: ctx.postedAt,
    edited: ctx.edited ?? false,
  });
  const base = {
    actor: ctx.actor,
    text,
    verb: command.verb,
    ...(command.check !== undefined ? { check: command.check } : {}),
    ...(command.until !== undefined ? { until: command.until } : {}),
    ...(command.reason ? { reason: command.reason } : {}),
  };
  if (auth.decision === "accepted") {
    return {
      ...base,
      decision: "accepted",
      explanation: auth.reason,
      problems: [],
      usage: [],
      suggestions: [],
    };
  }
  return {
    ...base,
    decision: "refused",
    explanation: auth.reason,
    code: auth.code,
    problems: auth.problems,
    usage: auth.usage,
    suggestions: auth.suggestions,
  };
}

/**
 * The decision on one command line of a comment, as the App replies and audits it. A line that did not parse is
 * refused with the parse error and the right form.
 */
export function decideCommand(line: ParsedLine, ctx: DecideContext): CommandDecision {
  if (!line.ok) {
    const verb = line.verb?.toLowerCase();
    return {
      actor: ctx.actor,
      text: line.text,
      verb: verb && line.error.code !== "unknown-verb" ? (verb as Verb) : null,
      decision: "refused",
      explanation: line.error.message,
      code: "parse-error",
      problems: [{ code: "parse-error", message: line.error.message }],
      usage: line.error.usage,
      suggestions: line.error.suggestions,
    };
  }
  return decide(line.text, resolveCommand(line.command, ctx.postedAt), ctx);
}

/** The decision on a command recorded in the ledger, judged again with the actor's current facts. */
export function decideLedgerCommand(
  command: LedgerCommand,
  ctx: Omit<DecideContext, "postedAt" | "edited">,
): CommandDecision {
  const resolved: ResolvedCommand = {
    verb: command.verb,
    check: command.check,
    ...(command.until !== undefined ? { until: command.until } : {}),
    ...(command.reason !== undefined ? { reason: command.reason } : {}),
  };
  const text = [
    `/readiness ${command.verb} ${command.check}`,
    command.until ? `until ${command.until}` : "",
    command.reason ?? "",
  ]
    .filter(Boolean)
    .join(" ");
  return decide(text, resolved, { ...ctx, postedAt: new Date(command.at), edited: command.edited ?? false });
}
