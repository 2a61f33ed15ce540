// The few reads the App itself makes to turn an event into targets (which pull requests, which commit).
// Evidence for checks is read by src/evidence/github, never here.
import type { DeploymentData, PullRequestData, ReleaseData } from "./jobs.js";
import type { AppOctokit } from "./octokit.js";

interface RepoLoc {
  owner: string;
  repo: string;
}

/** Only owner and repo: a caller's location may carry more fields, which must not become query parameters. */
const at = (loc: RepoLoc): RepoLoc => ({ owner: loc.owner, repo: loc.repo });

/** The fields the App needs from a pull request object (webhook payload or REST answer). */
export interface PullRequestLike {
  number: number;
  state: string;
  draft?: boolean | null;
  html_url?: string;
  user?: { login?: string } | null;
  labels?: ({ name?: string } | string)[] | null;
  base: { ref: string };
  head: { ref: string; sha: string };
}

export function toPullRequestData(pr: PullRequestLike): PullRequestData {
  const data: PullRequestData = {
    number: pr.number,
    state: pr.state,
    draft: Boolean(pr.draft),
    baseRef: pr.base.ref,
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    labels: (pr.labels ?? [])
      .map((l) => (typeof l === "string" ? l : (l.name ?? "")))
      .filter((l): l is string => l.length > 0),
  };
  if (pr.user?.login) data.author = pr.user.login;
  if (pr.html_url) data.url = pr.html_url;
  return data;
}

export interface ReleaseLike {
  id: number;
  tag_name: string;
  name?: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url?: string;
}

export function toReleaseData(r: ReleaseLike): ReleaseData {
  const data: ReleaseData = { id: r.id, tag: r.tag_name, draft: r.draft, prerelease: r.prerelease };
  if (r.name) data.name = r.name;
  if (r.html_url) data.url = r.html_url;
  return data;
}

export async function getPullRequest(
  octokit: AppOctokit,
  loc: RepoLoc,
  number: number,
): Promise<PullRequestData | null> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
      ...at(loc),
      pull_number: number,
    });
    return toPullRequestData(data as PullRequestLike);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  }
}

/** Open pull requests, newest first, at most `max` (the gate looks at release PRs, which are few). */
export async function listOpenPullRequests(
  octokit: AppOctokit,
  loc: RepoLoc,
  max = 300,
): Promise<PullRequestData[]> {
  const out: PullRequestData[] = [];
  for await (const page of octokit.paginate.iterator("GET /repos/{owner}/{repo}/pulls", {
    ...at(loc),
    state: "open",
    per_page: 100,
  })) {
    for (const pr of page.data) out.push(toPullRequestData(pr as PullRequestLike));
    if (out.length >= max) break;
  }
  return out.slice(0, max);
}

/** The commit a tag points at, through an annotated tag object if there is one. */
export async function resolveTag(octokit: AppOctokit, loc: RepoLoc, tag: string): Promise<string> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    ...at(loc),
    ref: `tags/${tag}`,
  });
  let object = data.object;
  for (let depth = 0; object.type === "tag" && depth < 5; depth++) {
    const tagObject = await octokit.request("GET /repos/{owner}/{repo}/git/tags/{tag_sha}", {
      ...at(loc),
      tag_sha: object.sha,
    });
    object = tagObject.data.object;
  }
  return object.sha;
}

export async function getRelease(octokit: AppOctokit, loc: RepoLoc, id: number): Promise<ReleaseData | null> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/releases/{release_id}", {
      ...at(loc),
      release_id: id,
    });
    return toReleaseData(data);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  }
}

export async function getReleaseByTag(
  octokit: AppOctokit,
  loc: RepoLoc,
  tag: string,
): Promise<ReleaseData | null> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      ...at(loc),
      tag,
    });
    return toReleaseData(data);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  }
}

/** Pull requests associated with a commit: the one that merged it, or open ones it heads. */
export async function pullRequestsForCommit(
  octokit: AppOctokit,
  loc: RepoLoc,
  sha: string,
): Promise<PullRequestData[]> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
    ...at(loc),
    commit_sha: sha,
    per_page: 10,
  });
  return data.map((pr) => toPullRequestData(pr as PullRequestLike));
}

/** The run id of a deployment gate lives only in its callback URL. */
export function runIdFromCallback(url: string | null | undefined): number | undefined {
  const m = url?.match(/\/actions\/runs\/(\d+)\/deployment_protection_rule\/?$/);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export type { DeploymentData };
