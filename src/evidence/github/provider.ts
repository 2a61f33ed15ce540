// Evidence from GitHub's REST API, and its GraphQL API where that batches (graphql.ts), for one commit:
// answers every Need of src/evidence/types.ts.
//
// Cost model (requests for one evaluation, cold; "the query" is the one GraphQL query of a round, shared):
//   files            1   recursive tree of the commit
//   content          0 (fields of the query) for a round's files up to limits.graphqlTextBytes in all;
//                    past that 1 archive for all of them when at least limits.archiveMinFiles (archive.ts),
//                    else 1 blob by SHA each; 0 when the tree shows the file is absent
//   lastChanged      0 (fields of the query) per path without `within`, at most limits.lastChangedLookups;
//                    with `within` (freshness limits) 2 per distinct limit whatever the number of paths, or
//                    fields of the query when that is cheaper (history.ts)
//   workflowRuns     1   for all workflows of the commit (+1 per run whose jobs are asked);
//                    on a branch: 1 per workflow (+1 once to map a workflow name to its id)
//   artifactFile     shares the runs listing, +1 artifact listing shared by all artifacts of the commit,
//                    +1 download (only for JSON assertions; the ETag cache keeps it: artifacts never change)
//   workflowChanges  1   the base branch's workflow directory (the commit's side comes from the tree, else
//                        1 more); a release or deployment whose files differ: +1 compare (workflow-files.ts)
//   checkRuns, statuses  1 each
//   release          1 (tag or id); a deployment's release: at most 4
//   branchRules      2   (rulesets + branch summary for classic protection), concurrently
//   alerts           1 per source (more only past 100 open alerts)
//   pullRequest      1 per 100 changed files
//   reviewedContent  1 per file (contents at the PR's base or the default branch; a 304 while it stays)
//   teamMembers      1 per 100 members of a team an attestation's by: names
//   ledger           1 per 100 comments of the PR (+1 per person whose waiver or sign-off counts): ./ledger.js
// Every URL is requested once per provider (concurrent askers share the promise) with at most
// limits.concurrency in flight; across evaluations the ETag cache (etag-cache.ts) makes repeats free.
import {
  type AlertSource,
  type EvidenceProvider,
  type Fact,
  known,
  type Need,
  needKey,
  type Target,
  unknown,
} from "../types.js";
import { Actions } from "./actions.js";
import { fetchAlerts } from "./alerts.js";
import { cacheAccessOf } from "./etag-cache.js";
import { errorForLog } from "./failure.js";
import { Contents, fetchReviewedContent, fetchTree, type Tree } from "./files.js";
import { GraphQLBatch } from "./graphql.js";
import { type HistoryMemory, LastChanged } from "./history.js";
import { fetchLedger } from "./ledger.js";
import { type GitHubOctokit, type LogLike, silentLog } from "./octokit.js";
import { GitHubReader } from "./reader.js";
import {
  fetchBranchRules,
  fetchCheckRuns,
  fetchPullRequest,
  fetchRelease,
  fetchStatuses,
} from "./repository.js";
import { DEFAULT_LIMITS, type GitHubEvidenceLimits, type RepoScope } from "./scope.js";
import { fetchTeamMembers } from "./teams.js";
import { fetchWorkflowChanges } from "./workflow-files.js";

export type { GitHubEvidenceLimits } from "./scope.js";
export { DEFAULT_LIMITS } from "./scope.js";

export interface GitHubEvidenceOptions {
  /** Probot's context.octokit, or an @octokit/rest Octokit (the CLI). Wrap it with withEtagCache first. */
  octokit: GitHubOctokit;
  owner: string;
  repo: string;
  /** The commit evaluated (full SHA). */
  sha: string;
  log?: LogLike;
  limits?: Partial<GitHubEvidenceLimits>;
  /** Last-change dates carried from one evaluated commit to the next (the App keeps one for the process). */
  history?: HistoryMemory;
  /** The clock freshness windows are measured from (default: the system's). */
  now?: () => Date;
  /** This App's id: only its comments are records of accepted slash commands (see ../ledger-record.ts). */
  appId?: number | undefined;
}

export class GitHubEvidence implements EvidenceProvider {
  readonly name = "GitHub";
  private readonly scope: RepoScope;
  private readonly reader: GitHubReader;
  private readonly actions: Actions;
  private readonly lastChanged: LastChanged;
  private readonly contents: Contents;
  private readonly facts = new Map<string, Promise<Fact<unknown>>>();
  private tree: Promise<Fact<Tree>> | undefined;

  constructor(private readonly options: GitHubEvidenceOptions) {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const log = options.log ?? silentLog;
    this.reader = new GitHubReader(options.octokit, {
      concurrency: Math.max(1, limits.concurrency),
      timeoutMs: limits.timeoutMs,
      log,
    });
    this.scope = {
      reader: this.reader,
      graphql: new GraphQLBatch(this.reader, options.owner, options.repo),
      owner: options.owner,
      repo: options.repo,
      sha: options.sha,
      limits,
      log,
      now: options.now ?? (() => new Date()),
    };
    this.actions = new Actions(this.scope);
    this.lastChanged = new LastChanged(this.scope, options.history, cacheAccessOf(options.octokit));
    this.contents = new Contents(this.scope, cacheAccessOf(options.octokit));
  }

  /** Requests handed to Octokit so far (after de-duplication), and the most that were in flight at once. */
  get requestCount(): { issued: number; peak: number } {
    return { issued: this.reader.issued, peak: this.reader.peak };
  }

  async collect(needs: Need[], target: Target): Promise<Map<string, Fact<unknown>>> {
    // The tree serves content needs too (absent files cost nothing, present ones are read by blob SHA),
    // so it is fetched first whenever this round or an earlier one asks for it.
    const wantsTree = this.tree !== undefined || needs.some((n) => n.type === "files");
    if (wantsTree) this.tree ??= this.guard("file list", () => fetchTree(this.scope));
    this.lastChanged.plan(needs.flatMap((n) => (n.type === "lastChanged" ? [n] : [])));
    // A round's content reads are planned together: enough of them make one archive read cheaper.
    if (this.tree)
      this.contents.plan(
        needs.flatMap((n) => (n.type === "content" ? [n.path] : [])),
        this.tree,
      );

    const out = new Map<string, Fact<unknown>>();
    await Promise.all(
      needs.map(async (need) => {
        const key = needKey(need);
        let fact = this.facts.get(key);
        if (!fact) {
          fact = this.guard(need.type, () => this.answer(need, target));
          this.facts.set(key, fact);
        }
        out.set(key, await fact);
      }),
    );
    return out;
  }

  /** Never rejects: a bug or an unexpected answer becomes `unknown` with what went wrong. */
  private async guard<T>(what: string, work: () => Promise<Fact<T>>): Promise<Fact<T>> {
    try {
      return await work();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.scope.log.warn({ err: errorForLog(e) }, `GitHub evidence "${what}" failed unexpectedly`);
      return unknown(`${what}: could not be read from GitHub (${message})`);
    }
  }

  private async answer(need: Need, target: Target): Promise<Fact<unknown>> {
    const s = this.scope;
    switch (need.type) {
      case "files": {
        this.tree ??= fetchTree(s);
        const tree = await this.tree;
        return tree.state === "ok" ? known(tree.value.index) : tree;
      }
      case "content":
        return this.contents.get(need.path, this.tree);
      case "lastChanged":
        return this.lastChanged.get(need);
      case "workflowRuns":
        return this.actions.workflowRuns(need, target.pullRequest?.number);
      case "checkRuns":
        return fetchCheckRuns(s);
      case "statuses":
        return fetchStatuses(s, need.creators === true);
      case "artifactFile":
        return this.actions.artifactFile(need, target.pullRequest?.number);
      case "workflowChanges":
        return fetchWorkflowChanges(s, target, this.tree);
      case "release":
        return fetchRelease(s, target);
      case "branchRules":
        return fetchBranchRules(s, need.branch);
      case "alerts":
        return fetchAlerts(s, need.source as AlertSource);
      case "pullRequest":
        return fetchPullRequest(s, target);
      case "ledger":
        return this.ledger(need.teams, target);
      case "reviewedContent":
        return fetchReviewedContent(s, target, need.path);
      case "teamMembers":
        return fetchTeamMembers(s, need.team);
      default: {
        const type = (need as { type?: unknown }).type;
        return unknown(`the GitHub provider does not know the evidence "${String(type)}"`);
      }
    }
  }

  private async ledger(teams: string[], target: Target): Promise<Fact<unknown>> {
    try {
      return known(
        await fetchLedger(this.scope, {
          target: { ...target, sha: target.sha ?? this.options.sha },
          teams,
          appId: this.options.appId,
        }),
      );
    } catch (e) {
      return unknown(
        `slash commands in pull request comments: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
}
