// A comment with slash commands, answered: each command decided with the actor's facts (collaborator
// permission and team memberships, never author_association) against the policy of the pull request's BASE
// branch, one audit line per decision, the App's record of what it accepted (with the pull request's head, to
// which a sign-off is bound), 👍 or 😕 on the comment, a reply for refusals and help, and a re-evaluation of
// the pull request when something may have changed. The records are the ledger: every evaluation re-reads
// them from the comments and judges each command again (src/commands/ledger.ts).
import type { Logger } from "probot";
import { auditDecisions } from "../commands/audit.js";
import { type CommandDecision, decideCommand } from "../commands/decide.js";
import { codeSpan } from "../commands/markdown.js";
import { type ParsedLine, parseCommands, USAGE } from "../commands/parse.js";
import { renderReply } from "../commands/reply.js";
import { ledgerNeed } from "../engine/evaluate.js";
import { fetchActorFacts } from "../evidence/github/ledger.js";
import { encodeRecord, type LedgerRecord, recordMarker } from "../evidence/ledger-record.js";
import type { ActorFacts } from "../evidence/types.js";
import { CommandRulesSchema } from "../policy/schema.js";
import { safeUrl } from "../report/markdown.js";
import { changesLedger } from "./handlers/issue-comment.js";
import { type Job, jobBase } from "./jobs.js";
import { getPullRequest } from "./lookup.js";
import type { AppOctokit } from "./octokit.js";
import type { PolicyLookup } from "./policy.js";
import { type CommentLocation, react, replyMarker, replyOnce } from "./publish/command-reply.js";

type CommandJob = Extract<Job, { type: "command" }>;

export interface CommandDeps {
  appId: number;
  /** A pull request's base policy, as the evaluation loads it (the service's own lookup, absence remembered). */
  basePolicy(octokit: AppOctokit, loc: { owner: string; repo: string }, base: string): Promise<PolicyLookup>;
  /** Queues follow-up work: the pull request's re-evaluation. */
  enqueue(job: Job): void;
}

/** Verbs whose acceptance can change the result. */
const REEVALUATE = new Set(["waive", "unwaive", "signoff", "recheck"]);
/** Verbs judged against the actor's rights, and recorded in the ledger when accepted. */
const NEEDS_FACTS = new Set(["waive", "unwaive", "signoff"]);
/** Commands one comment may record (a record is one comment of at most 65,536 characters). */
const MAX_RECORDED = 50;
const MAX_RECORDED_REASON = 300;

/** Enough of a policy to judge an edited comment, which is refused before any rule is read. */
const NO_RULES = { commands: CommandRulesSchema.parse({}), checks: {} };

export async function answerCommands(
  job: CommandJob,
  octokit: AppOctokit,
  log: Logger,
  deps: CommandDeps,
): Promise<void> {
  const lines = parseCommands(job.comment.body);
  const where: CommentLocation = { owner: job.owner, repo: job.repo, number: job.number, appId: deps.appId };
  const audit = { repository: `${job.owner}/${job.repo}`, pr: job.number };
  if (job.comment.editedFrom !== undefined) return answerEdit(job, lines, octokit, log, deps, where, audit);
  if (lines.length === 0) return;

  const loc = { owner: job.owner, repo: job.repo };
  const pr = await getPullRequest(octokit, loc, job.number);
  if (!pr) {
    log.info({ pr: job.number }, "command on a pull request GitHub no longer has; ignored");
    return;
  }
  const lookup = await deps.basePolicy(octokit, loc, pr.baseRef);
  const actor = job.comment.author;
  const postedAt = new Date(job.comment.createdAt);
  let decisions: CommandDecision[];
  if (lookup.state !== "ok") {
    const why =
      lookup.state === "none"
        ? `No readiness policy applies to this pull request (no .readiness.yml on \`${pr.baseRef}\`), so the command has no effect.`
        : `The readiness policy on \`${pr.baseRef}\` does not validate, so the command cannot be judged; fix the policy first.`;
    decisions = lines.map((line) => undecidable(line, actor, postedAt, why));
  } else {
    const policy = lookup.policy;
    const facts = lines.some((l) => l.ok && NEEDS_FACTS.has(l.command.verb))
      ? await actorFacts(octokit, loc, actor, ledgerNeed(policy).teams, log)
      : undefined;
    decisions = lines.map((line) =>
      decideCommand(line, { policy, actor, facts, prAuthor: pr.author, postedAt }),
    );
  }
  decisions = capRecorded(decisions);
  auditDecisions(log, decisions, audit);

  // The record first: the ledger is what the App recorded, so the re-evaluation must find it.
  const toRecord = decisions.filter((d) => d.decision === "accepted" && d.verb && NEEDS_FACTS.has(d.verb));
  let recorded = true;
  if (toRecord.length) {
    const record: LedgerRecord = {
      v: 1,
      comment: job.comment.id,
      actor,
      at: job.comment.createdAt,
      sha: pr.headSha,
      commands: toRecord.map((d) => ({
        verb: d.verb as "waive" | "unwaive" | "signoff",
        check: d.check ?? "",
        ...(d.until ? { until: d.until } : {}),
        ...(d.reason ? { reason: [...d.reason].slice(0, MAX_RECORDED_REASON).join("") } : {}),
      })),
    };
    recorded = await attempt(log, "record", () =>
      replyOnce(
        octokit,
        where,
        recordMarker(job.comment.id),
        `${encodeRecord(record)}\n${renderRecord(toRecord, pr.headSha)}${answering(job)}`,
      ),
    );
  }

  const refused = decisions.some((d) => d.decision === "refused") || !recorded;
  const changed = decisions.some(
    (d) => d.decision === "accepted" && d.verb !== null && REEVALUATE.has(d.verb),
  );
  if (changed && lookup.state === "ok") reevaluate(job, deps);

  await attempt(log, "reaction", () => react(octokit, where, job.comment.id, refused ? "confused" : "+1"));
  if (decisions.some((d) => d.decision === "refused") || decisions.some((d) => d.verb === "help")) {
    const body = `${renderReply(decisions, lookup.state === "ok" ? { policy: lookup.policy } : {})}${answering(job)}`;
    await attempt(log, "reply", () => replyOnce(octokit, where, replyMarker("reply", job.comment.id), body));
  }
}

/** Past MAX_RECORDED state-changing commands in one comment, the rest are refused: one record holds them. */
function capRecorded(decisions: CommandDecision[]): CommandDecision[] {
  let n = 0;
  return decisions.map((d) => {
    if (d.decision !== "accepted" || !d.verb || !NEEDS_FACTS.has(d.verb) || ++n <= MAX_RECORDED) return d;
    const message = `At most ${MAX_RECORDED} waivers, unwaives and sign-offs are recorded from one comment; post the rest in another.`;
    return { ...d, decision: "refused", explanation: message, problems: [{ code: "parse-error", message }] };
  });
}

/** What the record says to people; the hidden block above it is what the ledger reads. */
function renderRecord(decisions: CommandDecision[], headSha: string): string {
  const lines = decisions.map((d) => {
    const check = codeSpan(d.check ?? "");
    if (d.verb === "waive")
      return `- waiver for ${check} until ${d.until} (end of day, UTC), given by ${d.actor}`;
    if (d.verb === "unwaive") return `- waiver for ${check} removed by ${d.actor}`;
    return `- sign-off for ${check} by ${d.actor}, on commit \`${headSha.slice(0, 7)}\``;
  });
  return [
    "**Readiness Gate** recorded:",
    "",
    ...lines,
    "",
    "<sub>The App's record of what it accepted. Editing or deleting the command's comment voids a waiver or sign-off, never an unwaive.</sub>",
  ].join("\n");
}

/**
 * An edited comment: its commands never count again (nobody rewrites a waiver after the fact). Say so once per
 * comment, and re-evaluate when the comment held something the ledger records: the edit removed its effect.
 */
async function answerEdit(
  job: CommandJob,
  lines: ParsedLine[],
  octokit: AppOctokit,
  log: Logger,
  deps: CommandDeps,
  where: CommentLocation,
  audit: { repository: string; pr: number },
): Promise<void> {
  const actor = job.comment.author;
  const postedAt = new Date(job.comment.createdAt);
  const decisions = lines.map((line) =>
    decideCommand(line, { policy: NO_RULES, actor, facts: undefined, postedAt, edited: true }),
  );
  auditDecisions(log, decisions, audit);
  log.info({ pr: job.number, comment: job.comment.id }, "command comment edited: its commands are ignored");
  if (changesLedger(job.comment.editedFrom ?? "") || changesLedger(job.comment.body)) reevaluate(job, deps);

  await attempt(log, "reaction", () => react(octokit, where, job.comment.id, "confused"));
  const ignored = lines.map((l) => `- ${codeSpan(l.text)}`);
  const gave = changesLedger(job.comment.editedFrom ?? "")
    ? " A waiver or sign-off it gave no longer counts; an unwaive it gave still holds."
    : "";
  const body = [
    `**Readiness Gate**: this comment was edited after it was posted, so it gives nothing new: nobody can rewrite a waiver or sign-off after the fact.${gave} Post the command in a new comment instead.`,
    ...(ignored.length ? ["", "Ignored:", "", ...ignored] : []),
  ].join("\n");
  await attempt(log, "reply", () =>
    replyOnce(octokit, where, replyMarker("edited", job.comment.id), `${body}${answering(job)}`),
  );
}

/** The pull request's current head, evaluated again (the job names no commit: the head is looked up). */
function reevaluate(job: CommandJob, deps: CommandDeps): void {
  deps.enqueue({ ...jobBase(job), type: "pull_request", number: job.number });
}

/** What the actor may do now; undefined when it could not be read, so state-changing commands are refused. */
async function actorFacts(
  octokit: AppOctokit,
  loc: { owner: string; repo: string },
  username: string,
  teams: string[],
  log: Logger,
): Promise<ActorFacts | undefined> {
  try {
    return await fetchActorFacts(octokit, { ...loc, username, teams });
  } catch (error) {
    log.warn({ actor: username, err: { message: (error as Error).message } }, "actor facts not read");
    return undefined;
  }
}

/** A command that cannot be judged because no valid policy applies; help is still answered. */
function undecidable(line: ParsedLine, actor: string, postedAt: Date, why: string): CommandDecision {
  if (!line.ok || line.command.verb === "help") {
    return decideCommand(line, { policy: NO_RULES, actor, facts: undefined, postedAt });
  }
  const command = line.command;
  return {
    actor,
    text: line.text,
    verb: command.verb,
    ...("check" in command ? { check: command.check } : {}),
    decision: "refused",
    explanation: why,
    problems: [],
    usage: USAGE[command.verb],
    suggestions: [],
  };
}

/** A link back to the comment answered, for a thread with several command comments. */
function answering(job: CommandJob): string {
  const href = safeUrl(job.comment.url);
  return href ? `\n\n<sub>In answer to [this comment](${href}).</sub>` : "";
}

/** A failed answer is logged, not thrown; false when it failed. */
async function attempt(log: Logger, what: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    const e = error as { status?: number; message?: string };
    log.warn(
      { status: e.status, err: { message: e.message } },
      `command ${what} not posted${e.status === 403 ? ": the App needs pull_requests: write" : ""}`,
    );
    return false;
  }
}
