import { z } from "zod";
import type { LedgerCommand, LedgerView, Need } from "../evidence/types.js";
import {
  ageMs,
  capLines,
  describeAge,
  failed,
  joinAnd,
  link,
  passed,
  plural,
  teamName,
  unknownResult,
  withinDays,
} from "./common.js";
import { ALL_CONTEXTS, defineKind } from "./types.js";

const schema = () =>
  z
    .strictObject({
      users: z.array(z.string().min(1)).optional().describe("GitHub logins allowed to sign off."),
      teams: z.array(teamName).optional().describe("Teams (org/team-slug) whose members may sign off."),
      count: z.number().int().min(1).default(1).describe("Distinct people who must sign off."),
      maxAgeDays: z.number().positive().optional().describe("A sign-off counts for this many days."),
      resetOnPush: z
        .boolean()
        .default(false)
        .describe(
          "A sign-off counts only for the commit that was the pull request's head when it was given: any push voids it.",
        ),
    })
    .refine((s) => (s.users?.length ?? 0) + (s.teams?.length ?? 0) > 0, {
      message: "a signoff check needs users or teams",
    });
type Params = z.output<ReturnType<typeof schema>>;

// GitHub logins and team slugs are case-insensitive.
const lower = (s: string): string => s.toLowerCase();

function mayWho(p: Params): string {
  const users = p.users ?? [];
  const shown = users.length > 5 ? [...users.slice(0, 5), `${users.length - 5} more`] : users;
  const teams = (p.teams ?? []).map((t) => `members of ${t}`);
  return joinAnd([...shown, ...teams], "or");
}

function isEligible(p: Params, ledger: LedgerView, actor: string): boolean {
  if ((p.users ?? []).some((u) => lower(u) === lower(actor))) return true;
  const teams = new Set((p.teams ?? []).map(lower));
  const facts =
    ledger.actors[actor] ??
    Object.entries(ledger.actors).find(([login]) => lower(login) === lower(actor))?.[1];
  return (facts?.teams ?? []).some((t) => teams.has(lower(t)));
}

interface Counted {
  actor: string;
  at: number;
  url?: string;
  /** The note given with the sign-off. */
  note?: string;
}

const DAY_MS = 86_400_000;

/** What the summary leaves out: the note, and until when a recurring sign-off counts. */
function counts(s: Counted, maxAgeDays: number | undefined): string | null {
  const until =
    maxAgeDays === undefined
      ? ""
      : ` (counts until ${new Date(s.at + maxAgeDays * DAY_MS).toISOString().slice(0, 16).replace("T", " ")} UTC)`;
  if (!s.note && !until) return null;
  return `${s.actor} signed off${s.note ? `: ${s.note}` : ""}${until}`;
}

export const signoffKind = defineKind({
  name: "signoff",
  description:
    "A person from the given users or teams signed off with /readiness signoff <check> in the pull request; maxAgeDays makes it recur, resetOnPush binds it to the head commit it was given on.",
  schema,
  appliesTo: ALL_CONTEXTS,
  // The engine collects one ledger for the whole policy (see ledgerNeed) and hands it to evaluate.
  needs: (): Need[] => [],
  evaluate: (p, { checkId, target, now, ledger: fact }) => {
    if (target.context === "local") {
      return unknownResult("sign-offs are recorded in pull request comments; only GitHub has them");
    }
    if (!fact) return unknownResult("sign-offs were not collected for this evaluation");
    if (fact.state === "unknown") return unknownResult(`sign-offs could not be read: ${fact.reason}`);
    const ledger = fact.value;

    const counted = new Map<string, Counted>();
    const ignored: string[] = [];
    const mine = ledger.commands.filter((c: LedgerCommand) => c.verb === "signoff" && c.check === checkId);
    for (const c of mine) {
      const at = Date.parse(c.at);
      if (c.edited) {
        ignored.push(
          `${c.actor}'s sign-off is ignored: its comment was edited or deleted after it was given`,
        );
      } else if (!isEligible(p, ledger, c.actor)) {
        ignored.push(`${c.actor} may not sign off this check`);
      } else if (Number.isNaN(at)) {
        ignored.push(`${c.actor}'s sign-off has no readable date`);
      } else if (at > now.getTime()) {
        ignored.push(`${c.actor}'s sign-off is dated after this evaluation`);
      } else if (p.maxAgeDays !== undefined && !withinDays(ageMs(new Date(at), now), p.maxAgeDays)) {
        ignored.push(
          `${c.actor}'s sign-off is too old: ${describeAge(ageMs(new Date(at), now), p.maxAgeDays)} (limit ${p.maxAgeDays})`,
        );
      } else if (p.resetOnPush && (!c.headSha || c.headSha !== c.prHeadSha)) {
        ignored.push(
          c.headSha
            ? `${c.actor} signed off commit ${c.headSha.slice(0, 7)}, not the pull request's head${c.prHeadSha ? ` ${c.prHeadSha.slice(0, 7)}` : ""} (resetOnPush)`
            : `${c.actor}'s sign-off names no commit, so it cannot be held against resetOnPush`,
        );
      } else {
        const key = lower(c.actor);
        const prev = counted.get(key);
        if (!prev || at >= prev.at)
          counted.set(key, {
            actor: c.actor,
            at,
            ...(c.url ? { url: c.url } : {}),
            ...(c.reason ? { note: c.reason } : {}),
          });
      }
    }

    const people = [...counted.values()].sort((a, b) => b.at - a.at);
    const who = joinAnd(people.map((s) => `${s.actor} (${describeAge(ageMs(new Date(s.at), now))})`));
    const evidence = people.map((s) => link(`sign-off by ${s.actor}`, s.url));
    const signed = people.map((s) => counts(s, p.maxAgeDays)).filter((d): d is string => d !== null);
    const details = [...signed, ...capLines(ignored, 10)];
    if (people.length >= p.count) {
      return passed(`signed off by ${who}`, { details, evidence });
    }
    const command = `/readiness signoff ${checkId}`;
    const summary =
      people.length === 0
        ? ignored.length
          ? `no sign-off counts: ${ignored[0]}${ignored.length > 1 ? ` (and ${ignored.length - 1} more ignored)` : ""}; ${mayWho(p)} may sign off`
          : `no sign-off yet; ${mayWho(p)} may sign off`
        : `${people.length} of ${plural(p.count, "sign-off")}: ${who}; more may come from ${mayWho(p)}`;
    return failed(summary, Math.min(1, people.length / p.count), {
      details,
      evidence,
      fix: `Ask ${mayWho(p)} to comment \`${command}\` on the pull request`,
    });
  },
});
