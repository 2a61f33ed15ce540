// One structured log line per command decision: who asked for what, where, and what was decided and why.
import type { CommandDecision } from "./decide.js";

/** The part of a pino logger the audit needs (Probot's `app.log` and `context.log` qualify). */
export interface AuditLogger {
  info(obj: object, msg?: string): void;
}

export interface AuditWhere {
  /** owner/name */
  repository: string;
  /** The pull request the command was posted on; null when none. */
  pr: number | null;
}

export interface AuditEntry {
  audit: "readiness-command";
  actor: string;
  /** The command as written, at most 500 characters. */
  command: string;
  check: string | null;
  repository: string;
  pr: number | null;
  decision: "accepted" | "refused";
  /** Who authorised it, or every problem found. */
  reason: string;
}

const MAX_COMMAND = 500;

export function auditEntry(d: CommandDecision, where: AuditWhere): AuditEntry {
  const command =
    [...d.text].length > MAX_COMMAND ? `${[...d.text].slice(0, MAX_COMMAND - 1).join("")}…` : d.text;
  return {
    audit: "readiness-command",
    actor: d.actor,
    command,
    check: d.check ?? null,
    repository: where.repository,
    pr: where.pr,
    decision: d.decision,
    reason:
      d.decision === "accepted" ? d.explanation : d.problems.map((p) => p.message).join(" ") || d.explanation,
  };
}

/** Writes one audit line per decision, in order, and returns what was written. */
export function auditDecisions(
  log: AuditLogger,
  decisions: CommandDecision[],
  where: AuditWhere,
): AuditEntry[] {
  return decisions.map((d) => {
    const entry = auditEntry(d, where);
    log.info(entry, `readiness command ${entry.decision}`);
    return entry;
  });
}
