// The slice of Octokit this directory uses: `request` (every read), `hook` (the ETag cache) and `auth` (whose
// view of GitHub a cached answer is). Probot's context.octokit (ProbotOctokit) and @octokit/rest's Octokit
// both fit, which the concrete classes themselves do not: neither is assignable to the other.
import type { Octokit } from "@octokit/rest";

export type GitHubOctokit = Pick<Octokit, "request" | "hook" | "auth">;

/** pino-like; Probot's context.log and app.log fit. */
export interface LogLike {
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export const silentLog: LogLike = { debug() {}, warn() {} };
