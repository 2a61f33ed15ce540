// What is evaluated, built the same way by the App (from a job) and by `readiness check --repo` (from its
// arguments), so both ask the same policy with the same context for the same commit. Pure.
import type { RepositoryRef, Target } from "./types.js";

export interface PullRequestFacts {
  number: number;
  baseRef: string;
  headRef: string;
  headSha: string;
  labels: readonly string[];
  draft?: boolean;
  author?: string;
  url?: string;
}

export interface ReleaseFacts {
  tag: string;
  id?: number;
  url?: string;
  prerelease?: boolean;
}

export interface DeploymentFacts {
  environment: string;
  sha: string;
  ref?: string;
  id?: number;
  url?: string;
}

/** A target and the ref whose policy decides it: a PR's base branch, else the default branch. */
export interface ResolvedTarget {
  target: Target & { sha: string; repository: RepositoryRef };
  /** Undefined: the repository's default branch. */
  policyRef?: string;
}

export function pullRequestTarget(repository: RepositoryRef, pr: PullRequestFacts): ResolvedTarget {
  return {
    target: {
      context: "pull_request",
      repository,
      sha: pr.headSha,
      ref: pr.headRef,
      pullRequest: {
        number: pr.number,
        baseRef: pr.baseRef,
        headRef: pr.headRef,
        headSha: pr.headSha,
        labels: [...pr.labels],
        draft: pr.draft ?? false,
        ...(pr.author ? { author: pr.author } : {}),
        ...(pr.url ? { url: pr.url } : {}),
      },
    },
    // The base branch, never the head: a change under evaluation does not supply its own gate.
    policyRef: pr.baseRef,
  };
}

export function releaseTarget(repository: RepositoryRef, sha: string, release: ReleaseFacts): ResolvedTarget {
  return {
    target: {
      context: "release",
      repository,
      sha,
      ref: release.tag,
      release: {
        tag: release.tag,
        ...(release.id !== undefined ? { id: release.id } : {}),
        ...(release.prerelease !== undefined ? { prerelease: release.prerelease } : {}),
        ...(release.url ? { url: release.url } : {}),
      },
    },
  };
}

export function deploymentTarget(repository: RepositoryRef, d: DeploymentFacts): ResolvedTarget {
  return {
    target: {
      context: "deployment",
      repository,
      sha: d.sha,
      ...(d.ref ? { ref: d.ref } : {}),
      deployment: {
        environment: d.environment,
        ...(d.id !== undefined ? { id: d.id } : {}),
        ...(d.url ? { url: d.url } : {}),
      },
    },
  };
}
