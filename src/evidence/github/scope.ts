// What every part of the GitHub provider shares for one evaluation: the reader, the repository, the commit
// and the bounds that keep an evaluation's cost predictable.
import { MAX_CONTENT_BYTES } from "../types.js";
import type { GraphQLBatch } from "./graphql.js";
import type { LogLike } from "./octokit.js";
import type { GitHubReader } from "./reader.js";

export interface GitHubEvidenceLimits {
  /** Requests in flight at once. */
  concurrency: number;
  /** Per request. */
  timeoutMs: number;
  /** Text returned for a file (the contract's MAX_CONTENT_BYTES). */
  maxContentBytes: number;
  /** Files larger than this are not downloaded at all: their content is unknown. */
  maxFileBytes: number;
  /** Artifacts (zip) larger than this are not downloaded. */
  maxArtifactBytes: number;
  /** Pages of 100 read from lists of runs, check runs, statuses, workflows and jobs. */
  listPages: number;
  /** Pages of 100 open alerts read per source. */
  alertPages: number;
  /** Pages of 100 changed files of a pull request (GitHub lists at most 3000). */
  prFilePages: number;
  /** Exact last-change look-ups per evaluation (GraphQL `history` fields); beyond, lastChanged is unknown. */
  lastChangedLookups: number;
  /** Releases listed when looking for the release of a deployed commit (one page). */
  releasesListed: number;
  /**
   * Files to read (not already cached) from which one repository archive replaces a blob request each;
   * 0 turns the archive off.
   */
  archiveMinFiles: number;
  /** Compressed bytes of the archive read at most; past it the download stops and blobs are read instead. */
  maxArchiveBytes: number;
  /**
   * Files to read (not cached) whose sizes add up to at most this are read as GraphQL `Blob.text` fields, in
   * the round's one query, instead of an archive or a blob request each; 0 turns it off.
   */
  graphqlTextBytes: number;
}

export const DEFAULT_LIMITS: GitHubEvidenceLimits = {
  concurrency: 6,
  timeoutMs: 30_000,
  maxContentBytes: MAX_CONTENT_BYTES,
  maxFileBytes: 10 * 1024 * 1024,
  maxArtifactBytes: 10 * 1024 * 1024,
  listPages: 3,
  alertPages: 3,
  prFilePages: 30,
  lastChangedLookups: 40,
  releasesListed: 30,
  archiveMinFiles: 3,
  maxArchiveBytes: 30 * 1024 * 1024,
  graphqlTextBytes: 1024 * 1024,
};

export interface RepoScope {
  reader: GitHubReader;
  /** GraphQL fields of this repository, batched per turn of the event loop and memoised per evaluation. */
  graphql: GraphQLBatch;
  owner: string;
  repo: string;
  sha: string;
  limits: GitHubEvidenceLimits;
  log: LogLike;
  /** The provider's clock (freshness windows are measured from it). */
  now: () => Date;
}

/** `{ owner, repo }` for route parameters. */
export const at = (s: RepoScope) => ({ owner: s.owner, repo: s.repo });
