// The CLI's GitHub mode: `readiness --repo owner/name --ref <ref>` evaluates a commit on GitHub with a token.
//
// What `ref` means, and which context the evaluation gets (the least surprising choice, in this order):
//   - `pull/123` (also `refs/pull/123/head`): pull request #123 at its head commit, context "pull_request";
//   - otherwise the ref (branch, tag or SHA) is resolved to a commit, and the context is
//       `context` when the caller passes one ("release" or "deployment"; "pull_request" needs pull/N),
//       else "release" when the ref is a tag with a GitHub release,
//       else "deployment" (environment `environment`, default "production").
// The policy is the one the App would use: the pull request's BASE branch, else the default branch, so a
// local run and the App agree, and a change under evaluation never supplies its own gate.
// Setup failures (bad token, unknown repository or ref) throw an Error whose message says what to fix.
import { Octokit } from "@octokit/rest";
import { deploymentTarget, pullRequestTarget, releaseTarget } from "../target.js";
import type { EvidenceProvider, Target } from "../types.js";
import { explain, PERMISSIONS, type Permission, toFailure } from "./failure.js";
import type { LogLike } from "./octokit.js";
import { type FetchRemote, findPolicy, type PolicySource, remoteFetcher } from "./policy-source.js";
import { GitHubEvidence, type GitHubEvidenceLimits } from "./provider.js";

export interface CliGitHubOptions {
  owner: string;
  repo: string;
  /** Branch, tag, SHA, or `pull/N`. */
  ref: string;
  token?: string;
  /** REST base URL; default https://api.github.com. */
  baseUrl?: string;
  context?: "pull_request" | "release" | "deployment";
  /** Environment of a deployment context. */
  environment?: string;
  log?: LogLike;
  limits?: Partial<GitHubEvidenceLimits>;
  /** The evaluation's clock (`--now`): freshness windows are cut from it, as the engine judges by it. */
  now?: Date;
}

export interface CliGitHubEvidence {
  provider: EvidenceProvider;
  target: Target;
  findPolicy: () => Promise<PolicySource | null>;
  /** For the policy loader's `extends: owner/repo:path`. */
  fetchRemote: FetchRemote;
}

const PULL = /^(?:refs\/)?pulls?\/(\d+)(?:\/(?:head|merge))?$/;
const FULL_SHA = /^[0-9a-f]{40}$/i;

/** A failed request as one sentence for a person holding a token, with the setting to look at. */
export function explainForToken(
  error: unknown,
  what: string,
  permission: Permission,
  baseUrl: string,
): string {
  const f = toFailure(error);
  const text = explain(f, what, permission, "the token");
  if (f.status === 401) return `${text}; check GITHUB_TOKEN`;
  if (f.status === null) return `${text}; check GITHUB_API_URL (${baseUrl}) and the network`;
  if (f.status === 404 && /^repository /.test(what)) return `${text} (check GITHUB_TOKEN's access)`;
  return text;
}

/** Octokit's own log (a console.error line per failed request) is not the CLI's to print. */
const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

export async function createCliGitHubEvidence(options: CliGitHubOptions): Promise<CliGitHubEvidence> {
  const { owner, repo, ref } = options;
  const octokit = new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    userAgent: "readiness-gate-cli",
    log: QUIET,
  });
  const pull = PULL.exec(ref);
  const baseUrl = options.baseUrl ?? "https://api.github.com";
  const must = async <T>(what: string, permission: Permission, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new Error(explainForToken(error, what, permission, baseUrl));
    }
  };

  const repoInfo = must(`repository ${owner}/${repo}`, PERMISSIONS.metadata, async () => {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner, repo });
    return data;
  });

  let target: Target;
  let policyRef: string;
  if (pull) {
    const number = Number(pull[1]);
    const [info, pr] = await Promise.all([
      repoInfo,
      must(`pull request #${number} of ${owner}/${repo}`, PERMISSIONS.pullRequests, async () => {
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          owner,
          repo,
          pull_number: number,
        });
        return data;
      }),
    ]);
    ({ target, policyRef = info.default_branch } = pullRequestTarget(
      { owner, name: repo, defaultBranch: info.default_branch, htmlUrl: info.html_url },
      {
        number,
        baseRef: pr.base.ref,
        headRef: pr.head.ref,
        headSha: pr.head.sha,
        labels: pr.labels.map((l) => l.name),
        draft: pr.draft ?? false,
        url: pr.html_url,
        ...(pr.user?.login ? { author: pr.user.login } : {}),
      },
    ));
  } else {
    if (options.context === "pull_request")
      throw new Error(`a pull request is given as pull/<number>, not "${ref}"`);
    const [info, sha, release] = await Promise.all([
      repoInfo,
      must(`ref ${ref} of ${owner}/${repo}`, PERMISSIONS.contents, async () => {
        // The `sha` media type answers with the bare SHA: no commit, no file list.
        const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", {
          owner,
          repo,
          ref,
          headers: { accept: "application/vnd.github.sha" },
        });
        return (
          typeof data === "string" ? data : new TextDecoder().decode(data as unknown as ArrayBuffer)
        ).trim();
      }),
      options.context === "deployment" || FULL_SHA.test(ref)
        ? null
        : releaseOf(octokit, owner, repo, ref, baseUrl),
    ]);
    if (!FULL_SHA.test(sha)) throw new Error(`ref ${ref} of ${owner}/${repo} did not resolve to a commit`);
    const repository = { owner, name: repo, defaultBranch: info.default_branch, htmlUrl: info.html_url };
    const context = options.context ?? (release ? "release" : "deployment");
    const resolved =
      context === "release"
        ? releaseTarget(repository, sha, release ?? { tag: ref.replace(/^refs\/tags\//, "") })
        : deploymentTarget(repository, { environment: options.environment ?? "production", sha, ref });
    target = resolved.target;
    policyRef = resolved.policyRef ?? info.default_branch;
  }

  const provider = new GitHubEvidence({
    octokit,
    owner,
    repo,
    sha: target.sha!,
    ...(options.log ? { log: options.log } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: () => options.now! } : {}),
  });
  return {
    provider,
    target,
    findPolicy: () => findPolicy(octokit, { owner, repo, ref: policyRef }),
    fetchRemote: remoteFetcher(octokit),
  };
}

/** The release tagged `ref`, or null (not a tag, or a tag without a release). */
async function releaseOf(
  octokit: Octokit,
  owner: string,
  repo: string,
  ref: string,
  baseUrl: string,
): Promise<NonNullable<Target["release"]> | null> {
  const tag = ref.replace(/^refs\/tags\//, "");
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner,
      repo,
      tag,
    });
    return { tag: data.tag_name, id: data.id, url: data.html_url, prerelease: data.prerelease };
  } catch (error) {
    if (toFailure(error).status === 404) return null;
    throw new Error(
      explainForToken(error, `release ${tag} of ${owner}/${repo}`, PERMISSIONS.contents, baseUrl),
    );
  }
}
