// One sticky comment per pull request: found again by its hidden marker and this App's identity, created
// once, edited only when its text changes (an edit notifies nobody, but an unchanged one costs a request).
import { createHash } from "node:crypto";
import type { AppOctokit } from "../octokit.js";

export interface StickyLocation {
  owner: string;
  repo: string;
  /** Pull request or issue number. */
  number: number;
  appId: number;
  /** Hidden HTML comment that identifies the sticky comment; the body must contain it. */
  marker: string;
}

export type StickyResult = "created" | "updated" | "unchanged";

/** GitHub refuses comment bodies over 65,536 characters. */
export const COMMENT_MAX_CHARS = 65_536;

interface CommentLike {
  id: number;
  body?: string | null;
  user?: { type?: string; login?: string } | null;
  performed_via_github_app?: { id?: number } | null;
}

const MAX_PAGES = 10;

/** The App's own comment carrying the marker, if any. Another user's comment quoting the marker never matches. */
export async function findSticky(octokit: AppOctokit, loc: StickyLocation): Promise<CommentLike | null> {
  let pages = 0;
  for await (const page of octokit.paginate.iterator(
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    {
      owner: loc.owner,
      repo: loc.repo,
      issue_number: loc.number,
      per_page: 100,
    },
  )) {
    for (const c of page.data as CommentLike[]) {
      // The App writes its marker first; one quoted further down (an echoed command) is not it.
      if (c.body?.startsWith(loc.marker) && c.performed_via_github_app?.id === loc.appId) return c;
    }
    if (++pages >= MAX_PAGES) break;
  }
  return null;
}

/** The text a sticky comment is written with: the marker first, cut to GitHub's limit. */
export function stickyText(marker: string, body: string): string {
  const text = body.startsWith(marker) ? body : `${marker}\n${body}`;
  return text.length > COMMENT_MAX_CHARS ? `${text.slice(0, COMMENT_MAX_CHARS - 1)}…` : text;
}

/**
 * Identifies a sticky comment's text as GitHub gives it back (line ends may come back as CRLF, trailing
 * blanks trimmed): the check run records the hash of the comment it goes with, so reconcile can tell a
 * comment never written, or out of date, from the one the run went with (see ../reconcile.ts).
 */
export function commentHash(text: string): string {
  const normal = text.replace(/\r\n/g, "\n").trimEnd();
  return createHash("sha256").update(normal).digest("hex").slice(0, 12);
}

export async function upsertSticky(
  octokit: AppOctokit,
  loc: StickyLocation,
  body: string,
): Promise<StickyResult> {
  const clipped = stickyText(loc.marker, body);
  const existing = await findSticky(octokit, loc);
  if (existing) {
    if ((existing.body ?? "").replace(/\r\n/g, "\n") === clipped.replace(/\r\n/g, "\n")) return "unchanged";
    await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner: loc.owner,
      repo: loc.repo,
      comment_id: existing.id,
      body: clipped,
    });
    return "updated";
  }
  await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: loc.owner,
    repo: loc.repo,
    issue_number: loc.number,
    body: clipped,
  });
  return "created";
}
