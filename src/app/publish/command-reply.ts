// The App's answer to a command comment: a reaction on it, and at most one reply per comment and kind. A reply
// carries a hidden marker naming the comment, so a redelivered or repeated event finds it and posts nothing.
import type { AppOctokit } from "../octokit.js";
import { COMMENT_MAX_CHARS, findSticky } from "./comment.js";

export type Reaction = "+1" | "confused";

export interface CommentLocation {
  owner: string;
  repo: string;
  /** The pull request (issue) number. */
  number: number;
  appId: number;
}

/** 👍 or 😕 on the comment. GitHub answers 200 instead of 201 when the reaction is already there. */
export async function react(
  octokit: AppOctokit,
  loc: CommentLocation,
  commentId: number,
  content: Reaction,
): Promise<void> {
  await octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
    owner: loc.owner,
    repo: loc.repo,
    comment_id: commentId,
    content,
  });
}

/** `reply`: the answer to a posted comment; `edited`: the notice that an edit voided its commands. */
export function replyMarker(kind: "reply" | "edited", commentId: number): string {
  return `<!-- readiness-gate:${kind}:${commentId} -->`;
}

/** Posts `body` under `marker` unless this App already did on the pull request. */
export async function replyOnce(
  octokit: AppOctokit,
  loc: CommentLocation,
  marker: string,
  body: string,
): Promise<"created" | "exists"> {
  if (await findSticky(octokit, { ...loc, marker })) return "exists";
  const text = `${marker}\n${body}`;
  await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: loc.owner,
    repo: loc.repo,
    issue_number: loc.number,
    body: text.length > COMMENT_MAX_CHARS ? `${text.slice(0, COMMENT_MAX_CHARS - 1)}…` : text,
  });
  return "created";
}
