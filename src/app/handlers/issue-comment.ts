// Slash commands: a `/readiness` line in a comment on a pull request. The comment is answered by the service
// (../commands.ts: decide, react, reply, audit, re-evaluate); here only what needs no request is sorted out.
// Issues that are not pull requests, comments by bots (this App's own included) and comments without a
// command line cost nothing.
//
// An edit gives nothing new (nobody rewrites a waiver after the fact): a waiver or sign-off from an edited
// comment no longer counts, and an unwaive the App recorded still does. It is answered when it touches command
// lines, or when the comment held a waiver, an unwaive or a sign-off; a prose edit around `help` is not. A
// deleted comment that held one re-evaluates the pull request: a waiver or sign-off from it no longer counts.
import { parseCommands } from "../../commands/parse.js";
import type { CommandComment } from "../jobs.js";
import { defineHandler, jobBase } from "./types.js";

interface UserLike {
  login?: string;
  type?: string;
}

/**
 * Bots never give commands: their comments, this App's sticky comment and replies included, are skipped. Who a
 * person is comes later, from the collaborator and team APIs; never from `author_association`.
 */
function isBot(user: UserLike | null | undefined): boolean {
  return !user?.login || user.type === "Bot" || user.login.endsWith("[bot]");
}

/** The command lines of a body, as written, in order. */
function commandLines(body: string): string[] {
  return parseCommands(body).map((l) => l.text);
}

/** Whether a body records something in the ledger: a well-formed waive, unwaive or sign-off. */
export function changesLedger(body: string): boolean {
  return parseCommands(body).some((l) => l.ok && l.command.verb !== "recheck" && l.command.verb !== "help");
}

export const issueCommentHandler = defineHandler({
  events: ["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"],
  jobs(event) {
    const base = jobBase(event);
    const p = event.payload;
    if (!base || !p.issue.pull_request) return [];
    const c = p.comment;
    if (isBot(c.user)) return [];
    if (p.action === "deleted") {
      return changesLedger(c.body ?? "") ? [{ ...base, type: "pull_request", number: p.issue.number }] : [];
    }
    const now = commandLines(c.body ?? "");
    const comment: CommandComment = {
      id: c.id,
      body: c.body ?? "",
      author: c.user!.login,
      createdAt: c.created_at,
      ...(c.html_url ? { url: c.html_url } : {}),
    };
    if (p.action === "edited") {
      const from = (p as { changes?: { body?: { from?: string } } }).changes?.body?.from;
      // A title change or the same text again: nothing the ledger reads changed.
      if (from === undefined || from === comment.body) return [];
      const before = commandLines(from);
      if (before.length === 0 && now.length === 0) return [];
      const touched = before.length !== now.length || before.some((line, i) => line !== now[i]);
      if (!touched && !changesLedger(from)) return [];
      comment.editedFrom = from;
    } else if (now.length === 0) {
      return [];
    }
    return [{ ...base, type: "command", number: p.issue.number, comment }];
  },
});
