// The slice of Octokit this directory uses. Probot's context.octokit (ProbotOctokit: core + rest + paginate)
// and @octokit/rest's Octokit (core + rest + legacy namespaces + paginate) both fit, which the concrete
// classes themselves do not: neither is assignable to the other.
import type { Octokit } from "@octokit/rest";

export type GitHubOctokit = Pick<Octokit, "request" | "hook" | "paginate" | "rest" | "auth">;

/** pino-like; Probot's context.log and app.log fit. */
export interface LogLike {
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export const silentLog: LogLike = { debug() {}, warn() {} };
