// Who may do what: the policy's `commands.waive` rules and each signoff check's users/teams. Pure.
//
// The same function judges a command when it is posted (the App's reply) and every time the ledger is read (the
// engine): dates are judged against the day the command was given, people against what they are now.
import { type ActorFacts, ROLES } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { suggest } from "../policy/suggest.js";
import { addDays, daysBetween, utcDay } from "./dates.js";
import { USAGE, type Verb } from "./parse.js";

export { ROLES };
export type Role = (typeof ROLES)[number];

/** Rank of a permission; anything unrecognised ranks as `none` (fail closed). */
export function roleRank(permission: string | undefined): number {
  const i = ROLES.indexOf((permission ?? "none").toLowerCase() as Role);
  return Math.max(i, 0);
}

export function hasRole(permission: string | undefined, minimum: Role): boolean {
  return roleRank(permission) >= roleRank(minimum);
}

/** A command with its expiry resolved to a day, as the ledger records it. */
export interface ResolvedCommand {
  verb: Verb;
  check?: string;
  /** Waiver expiry, YYYY-MM-DD, the last day it holds (UTC). */
  until?: string;
  /** Waiver reason, unwaive reason or sign-off note. */
  reason?: string;
}

export type RefusalCode =
  | "parse-error"
  | "bot"
  | "edited"
  | "unknown-check"
  | "not-signoff-check"
  | "not-authorised"
  | "actor-unknown"
  | "self-waive"
  | "not-signoff-approver"
  | "missing-reason"
  | "reason-too-short"
  | "missing-expiry"
  | "expiry-in-past"
  | "expiry-too-far"
  | "not-waivable"
  | "unknown-time";

export interface Problem {
  code: RefusalCode;
  message: string;
}

export interface AuthorizeInput {
  policy: Pick<Policy, "commands" | "checks">;
  command: ResolvedCommand;
  actor: string;
  /** Undefined when the actor's permission could not be had: every state-changing command is refused. */
  facts: ActorFacts | undefined;
  /** Author of the pull request the command was posted on; undefined when unknown. */
  prAuthor?: string | undefined;
  /** When the command was given (the comment's created_at). Expiry rules are judged against this UTC day. */
  now: Date;
  /** The comment was edited after it was posted. */
  edited?: boolean;
}

export type Authorization =
  | { decision: "accepted"; reason: string }
  | {
      decision: "refused";
      /** The main reason; `problems` holds every one found, the main one first. */
      reason: string;
      code: RefusalCode;
      problems: Problem[];
      usage: string[];
      suggestions: string[];
    };

export const DEFAULT_MIN_REASON_LENGTH = 10;
export const DEFAULT_MAX_DAYS = 30;

const sameLogin = (a: string | undefined, b: string | undefined) =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();

function teamsOf(facts: ActorFacts | undefined): Set<string> {
  return new Set((facts?.teams ?? []).map((t) => t.toLowerCase()));
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function unknownTeamsNote(facts: ActorFacts | undefined, named: string[]): string {
  const lower = new Set(named.map((t) => t.toLowerCase()));
  const unknown = (facts?.unknownTeams ?? []).filter((t) => lower.has(t.toLowerCase()));
  return unknown.length
    ? ` Membership of ${unknown.join(", ")} could not be read: the App needs the Organization members: read permission.`
    : "";
}

/** May this actor waive or unwaive, under `commands.waive`? The explanation names what decided it. */
export function waiveRight(
  policy: Pick<Policy, "commands">,
  actor: string,
  facts: ActorFacts | undefined,
): { ok: true; why: string } | { ok: false; problem: Problem } {
  const rules = policy.commands.waive;
  if (!facts) {
    return {
      ok: false,
      problem: {
        code: "actor-unknown",
        message: `The repository permission of ${actor} could not be read, so the command cannot be authorised.`,
      },
    };
  }
  if (hasRole(facts.permission, rules.permission)) {
    return { ok: true, why: `${actor} has ${facts.permission} permission (minimum ${rules.permission})` };
  }
  const mine = teamsOf(facts);
  const team = rules.teams.find((t) => mine.has(t.toLowerCase()));
  if (team) return { ok: true, why: `${actor} is a member of ${team}` };
  const who = rules.teams.length
    ? `${rules.permission} permission or above, or membership of ${list(rules.teams)}`
    : `${rules.permission} permission or above`;
  return {
    ok: false,
    problem: {
      code: "not-authorised",
      message: `Waivers need ${who}; ${actor} has ${facts.permission || "no"} permission.${unknownTeamsNote(facts, rules.teams)}`,
    },
  };
}

interface SignoffRules {
  users?: string[] | undefined;
  teams?: string[] | undefined;
}

/** May this actor sign off the check? Sign-off rights come from the check itself, not from permissions. */
export function signoffRight(
  rules: SignoffRules,
  actor: string,
  facts: ActorFacts | undefined,
): { ok: true; why: string } | { ok: false; problem: Problem } {
  if ((rules.users ?? []).some((u) => sameLogin(u, actor)))
    return { ok: true, why: `${actor} is a listed approver` };
  const mine = teamsOf(facts);
  const team = (rules.teams ?? []).find((t) => mine.has(t.toLowerCase()));
  if (team) return { ok: true, why: `${actor} is a member of ${team}` };
  const allowed = [...(rules.users ?? []), ...(rules.teams ?? []).map((t) => `team ${t}`)];
  return {
    ok: false,
    problem: {
      code: "not-signoff-approver",
      message: `Only ${list(allowed)} may sign this check off.${unknownTeamsNote(facts, rules.teams ?? [])}`,
    },
  };
}

function refused(problems: Problem[], usage: string[], suggestions: string[] = []): Authorization {
  const main = problems[0]!;
  return { decision: "refused", reason: main.message, code: main.code, problems, usage, suggestions };
}

/**
 * Accepted, or refused with every problem found. Problems are ordered so the first one is what to fix first;
 * `not-waivable` comes last so the ledger can tell "authorised, but the check cannot be waived" apart.
 */
export function authorize(input: AuthorizeInput): Authorization {
  const { policy, command, actor, facts, prAuthor, now } = input;
  const usage = USAGE[command.verb];
  if (facts?.bot) return refused([{ code: "bot", message: "Commands from bots are ignored." }], usage);
  if (input.edited) {
    return refused(
      [
        {
          code: "edited",
          message:
            "The comment was edited after it was posted, so it gives nothing: nobody can rewrite a waiver or sign-off after the fact (an unwaive the App already accepted still holds). Post a new comment instead.",
        },
      ],
      usage,
    );
  }
  if (command.verb === "recheck" || command.verb === "help") {
    // They change nothing; the App coalesces re-evaluations, so anyone may ask.
    return { decision: "accepted", reason: `${command.verb} is open to everyone` };
  }

  const checkIds = Object.keys(policy.checks);
  const check = command.check ?? "";
  const def = policy.checks[check];
  if (!def) {
    const suggestions = suggest(check, checkIds);
    const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => `\`${s}\``).join(", ")}?` : "";
    return refused(
      [{ code: "unknown-check", message: `The policy has no check \`${check}\`.${hint}` }],
      usage,
      suggestions,
    );
  }

  if (command.verb === "signoff") {
    if (!def.signoff) {
      const signoffChecks = checkIds.filter((id) => policy.checks[id]?.signoff);
      const which = signoffChecks.length
        ? ` Sign-off checks: ${signoffChecks.map((s) => `\`${s}\``).join(", ")}.`
        : " The policy has no sign-off checks.";
      return refused(
        [{ code: "not-signoff-check", message: `\`${check}\` is not a sign-off check.${which}` }],
        usage,
        suggest(check, signoffChecks),
      );
    }
    const right = signoffRight(def.signoff, actor, facts);
    if (!right.ok) return refused([right.problem], usage);
    return { decision: "accepted", reason: right.why };
  }

  const problems: Problem[] = [];
  const right = waiveRight(policy, actor, facts);
  if (!right.ok) problems.push(right.problem);

  if (command.verb === "unwaive") {
    return problems.length
      ? refused(problems, usage)
      : { decision: "accepted", reason: right.ok ? right.why : "" };
  }

  const rules = policy.commands.waive;
  if (!rules.allowSelfWaive) {
    if (prAuthor === undefined) {
      problems.push({
        code: "self-waive",
        message:
          "The pull request's author could not be determined and the policy forbids waiving one's own pull request.",
      });
    } else if (sameLogin(prAuthor, actor)) {
      problems.push({
        code: "self-waive",
        message: "The policy does not let a pull request's author waive checks on their own pull request.",
      });
    }
  }

  const minReason = rules.minReasonLength ?? DEFAULT_MIN_REASON_LENGTH;
  const reason = (command.reason ?? "").trim();
  if (reason.length === 0) {
    problems.push({
      code: "missing-reason",
      message: `A waiver needs a reason (at least ${minReason} characters).`,
    });
  } else if ([...reason].length < minReason) {
    problems.push({
      code: "reason-too-short",
      message: `The reason is ${[...reason].length} characters long; the policy asks for at least ${minReason}.`,
    });
  }

  const maxDays = rules.maxDays ?? DEFAULT_MAX_DAYS;
  const today = utcDay(now);
  if (!command.until) {
    problems.push({
      code: "missing-expiry",
      message: "A waiver needs an expiry: `until YYYY-MM-DD` or `for 14d`.",
    });
  } else if (!today) {
    problems.push({
      code: "unknown-time",
      message: "When the command was given is unknown, so its expiry cannot be judged.",
    });
  } else {
    const ahead = daysBetween(today, command.until);
    if (ahead < 0) {
      problems.push({
        code: "expiry-in-past",
        message: `The expiry ${command.until} is in the past (today is ${today}, UTC).`,
      });
    } else if (ahead > maxDays) {
      problems.push({
        code: "expiry-too-far",
        message: `The expiry ${command.until} is ${ahead} days ahead; the policy allows at most ${maxDays} (until ${addDays(today, maxDays)}).`,
      });
    }
  }

  if (def.waivable === false) {
    problems.push({
      code: "not-waivable",
      message: `\`${check}\` is not waivable: the policy says \`waivable: false\`.`,
    });
  }
  if (problems.length) return refused(problems, usage);
  return {
    decision: "accepted",
    reason: right.ok ? right.why : "",
  };
}
