// A published release whose commit is NO-GO: with gate.onRelease "draft" it goes back to draft, and the App
// says why on the pull request that brought the commit in, or in an issue it keeps for that release.
import type { Report } from "../../engine/types.js";
import { escapeMarkdown, safeUrl } from "../../report/markdown.js";
import type { ReleaseData } from "../jobs.js";
import { pullRequestsForCommit } from "../lookup.js";
import type { AppOctokit } from "../octokit.js";
import { upsertSticky } from "./comment.js";

export interface ReleaseLocation {
  owner: string;
  repo: string;
  appId: number;
}

export const releaseMarker = (id: number): string => `<!-- readiness-gate:release:${id} -->`;

export async function draftRelease(
  octokit: AppOctokit,
  loc: ReleaseLocation,
  releaseId: number,
): Promise<void> {
  await octokit.request("PATCH /repos/{owner}/{repo}/releases/{release_id}", {
    owner: loc.owner,
    repo: loc.repo,
    release_id: releaseId,
    draft: true,
  });
}

export function releaseExplanation(
  release: ReleaseData,
  report: Report,
  opts: { drafted: boolean; checkRunUrl?: string; problem?: string },
): string {
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  const lines = [
    releaseMarker(release.id),
    `### Release ${escapeMarkdown(release.tag, 100)} is not ready: NO-GO, ${report.score}/100 (minimum ${report.minScore})`,
    "",
    opts.drafted
      ? "Readiness Gate turned the release back into a draft (`gate.onRelease: draft`). Publish it again once the blocking checks pass."
      : "The release stays published.",
  ];
  if (opts.problem) lines.push("", `> ${escapeMarkdown(opts.problem, 300)}`);
  if (report.blocking.length) {
    lines.push("", "**What blocks**", "");
    for (const id of report.blocking.slice(0, 20)) {
      const c = byId.get(id);
      const fix = c?.fix ? ` Fix: ${escapeMarkdown(c.fix, 200)}` : "";
      lines.push(`- ${escapeMarkdown(c?.title ?? id, 100)}: ${escapeMarkdown(c?.summary ?? "", 200)}${fix}`);
    }
  }
  const href = safeUrl(opts.checkRunUrl);
  if (href) lines.push("", `[Full report](${href})`);
  return `${lines.join("\n")}\n`;
}

interface IssueLike {
  number: number;
  body?: string | null;
  pull_request?: unknown;
  performed_via_github_app?: { id?: number } | null;
}

/**
 * Posts the explanation on the pull request that introduced the commit; with none, on an issue kept per
 * release (found again by its marker, so a re-publish updates it instead of opening another).
 * Returns where it was written. Opening an issue needs the optional issues: write permission.
 */
export async function explainRelease(
  octokit: AppOctokit,
  loc: ReleaseLocation,
  sha: string,
  release: ReleaseData,
  body: string,
): Promise<{ kind: "pull_request" | "issue"; number: number }> {
  const marker = releaseMarker(release.id);
  const prs = await pullRequestsForCommit(octokit, loc, sha);
  const pr = prs[0];
  if (pr) {
    await upsertSticky(octokit, { ...loc, number: pr.number, marker }, body);
    return { kind: "pull_request", number: pr.number };
  }
  const { data: issues } = await octokit.request("GET /repos/{owner}/{repo}/issues", {
    owner: loc.owner,
    repo: loc.repo,
    state: "open",
    per_page: 100,
  });
  const mine = (issues as IssueLike[]).find(
    (i) => !i.pull_request && i.body?.includes(marker) && i.performed_via_github_app?.id === loc.appId,
  );
  if (mine) {
    if (mine.body !== body)
      await octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
        owner: loc.owner,
        repo: loc.repo,
        issue_number: mine.number,
        body,
      });
    return { kind: "issue", number: mine.number };
  }
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues", {
    owner: loc.owner,
    repo: loc.repo,
    title: `Release ${release.tag} is not ready (Readiness Gate)`,
    body,
  });
  return { kind: "issue", number: data.number };
}
