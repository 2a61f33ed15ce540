// The App's reply to a comment with commands: what was accepted, what was refused and why, the right form.
import type { Policy } from "../policy/schema.js";
import { DEFAULT_MAX_DAYS, DEFAULT_MIN_REASON_LENGTH } from "./authorize.js";
import type { CommandDecision } from "./decide.js";
import { codeSpan } from "./markdown.js";
import { ALL_USAGE } from "./parse.js";

const FORMS = ALL_USAGE.map((u) => `    ${u}`).join("\n");

export const HELP_TEXT = `**Readiness Gate commands** (one per line, in a comment on the pull request):

${FORMS}

- \`waive\` covers a failing check until the end of the given day (UTC), or for N days (\`14d\`) or weeks (\`2w\`) from the day of the comment. A reason is required.
- \`unwaive\` removes a waiver given in a comment; \`signoff\` records an approval for a sign-off check.
- \`recheck\` evaluates the gate again; \`help\` shows this text.
- Who may waive, how long a waiver may last and how long its reason must be are set in \`.readiness.yml\` (\`commands.waive\`); who may sign off is set on each sign-off check.
- Commands inside code blocks or quotes are not commands. A command counts once the App has recorded it (👍 and its record comment). Editing a command comment gives nothing new: a waiver or sign-off from it stops counting, an unwaive holds. Post a new comment instead.`;

/** Help with this policy's rules spelled out. */
export function renderHelp(policy?: Pick<Policy, "commands" | "checks">): string {
  if (!policy) return HELP_TEXT;
  const w = policy.commands.waive;
  const who = w.teams.length
    ? `${w.permission} permission or above, or members of ${w.teams.join(", ")}`
    : `${w.permission} permission or above`;
  const lines = [
    `- Waivers: people with ${who}; reason at least ${w.minReasonLength ?? DEFAULT_MIN_REASON_LENGTH} characters; expiry at most ${w.maxDays ?? DEFAULT_MAX_DAYS} days ahead${w.allowSelfWaive ? "" : "; not on one's own pull request"}.`,
  ];
  const notWaivable = Object.entries(policy.checks)
    .filter(([, c]) => c.waivable === false)
    .map(([id]) => `\`${id}\``);
  if (notWaivable.length) lines.push(`- Not waivable: ${notWaivable.join(", ")}.`);
  for (const [id, c] of Object.entries(policy.checks)) {
    if (!c.signoff) continue;
    const by = [...(c.signoff.users ?? []), ...(c.signoff.teams ?? []).map((t) => `team ${t}`)].join(", ");
    lines.push(`- Sign-off \`${id}\`: ${by}.`);
  }
  return `${HELP_TEXT}\n\n**This repository's rules**\n${lines.join("\n")}`;
}

function acceptedLine(d: CommandDecision): string {
  switch (d.verb) {
    case "waive":
      return `waiver for ${codeSpan(d.check ?? "")} until ${d.until} (end of day, UTC) recorded.`;
    case "unwaive":
      return `waiver for ${codeSpan(d.check ?? "")} removed.`;
    case "signoff":
      return `sign-off for ${codeSpan(d.check ?? "")} recorded.`;
    case "recheck":
      return "the gate will be evaluated again.";
    default:
      return "see below.";
  }
}

/**
 * The reply markdown for one comment's decisions; empty when there is nothing to say. Each refused command gets
 * every problem found, "did you mean" candidates and the right form.
 */
export function renderReply(
  decisions: CommandDecision[],
  options: { policy?: Pick<Policy, "commands" | "checks"> } = {},
): string {
  if (decisions.length === 0) return "";
  const out: string[] = [];
  let help = false;
  for (const d of decisions) {
    const quoted = codeSpan(d.text);
    if (d.decision === "accepted") {
      if (d.verb === "help") help = true;
      out.push(`- ✅ ${quoted}: ${acceptedLine(d)}`);
      continue;
    }
    out.push(`- ❌ ${quoted}: ${d.explanation}`);
    for (const p of d.problems.slice(1)) out.push(`  - ${p.message}`);
    const didYouMean = d.suggestions.filter((s) => !d.explanation.includes(`\`${s}\``));
    if (didYouMean.length) out.push(`  - Did you mean ${didYouMean.map((s) => codeSpan(s)).join(", ")}?`);
    if (d.usage.length) {
      out.push(
        `  - Right form${d.usage.length > 1 ? "s" : ""}: ${d.usage.map((u) => codeSpan(u)).join(" or ")}`,
      );
    }
  }
  const refusedCount = decisions.filter((d) => d.decision === "refused").length;
  const head =
    refusedCount === 0
      ? "**Readiness Gate**: done."
      : `**Readiness Gate**: ${refusedCount} of ${decisions.length} command${decisions.length > 1 ? "s" : ""} refused.`;
  const parts = [head, out.join("\n")];
  if (help) parts.push(renderHelp(options.policy));
  return parts.join("\n\n");
}
