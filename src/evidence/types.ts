// The evidence contract: what checks may ask (Need), what providers answer (Fact).
// Providers (local: fs + git, github: REST) implement EvidenceProvider; the engine never does I/O itself.
import type { FileIndex } from "./file-index.js";
import type { LedgerRecord } from "./ledger-record.js";

export type ContextKind = "pull_request" | "release" | "deployment" | "local";

export interface RepositoryRef {
  owner: string;
  name: string;
  defaultBranch?: string;
  htmlUrl?: string;
}

/** What is being evaluated: one commit, seen as a pull request, a release, a deployment or a local checkout. */
export interface Target {
  context: ContextKind;
  repository?: RepositoryRef;
  sha?: string;
  /** Branch or tag name the commit was reached by, when known. */
  ref?: string;
  pullRequest?: {
    number: number;
    baseRef: string;
    headRef: string;
    headSha: string;
    labels: string[];
    author?: string;
    draft?: boolean;
    url?: string;
  };
  release?: { tag: string; id?: number; url?: string; prerelease?: boolean };
  deployment?: { environment: string; id?: number; url?: string };
}

/** Ends the reason of a need a local checkout cannot answer; the report says once how to ask GitHub. */
export const GITHUB_ONLY = "only known to GitHub";

/** An answer, or the reason it could not be had. `unknown` never earns credit. */
export type Fact<T> = { state: "ok"; value: T } | { state: "unknown"; reason: string };

export const known = <T>(value: T): Fact<T> => ({ state: "ok", value });
export const unknown = <T = never>(reason: string): Fact<T> => ({ state: "unknown", reason });

export interface WorkflowRef {
  /** Workflow display name (`name:` in the workflow file). */
  name?: string;
  /** Workflow file name, e.g. `ci.yml`, or its path `.github/workflows/ci.yml`. */
  file?: string;
}

export interface WorkflowJob {
  name: string;
  status: string;
  conclusion: string | null;
}

export interface WorkflowRun {
  id: number;
  name: string;
  /** `.github/workflows/ci.yml` */
  path: string;
  headSha: string;
  branch: string | null;
  event: string;
  /** queued | in_progress | completed | waiting | requested | pending | action_required */
  status: string;
  /** success | failure | cancelled | skipped | timed_out | neutral | action_required | stale | null */
  conclusion: string | null;
  createdAt: string;
  url?: string;
  /** Present when the need asked for jobs. */
  jobs?: WorkflowJob[];
}

export interface CheckRunSummary {
  name: string;
  status: string;
  conclusion: string | null;
  url?: string;
  app?: string;
  completedAt?: string | null;
}

export interface CommitStatus {
  context: string;
  /** Login of whoever posted it (anyone with write access can post any context). */
  creator?: string;
  /** success | failure | error | pending */
  state: string;
  url?: string;
  updatedAt?: string;
}

export interface ArtifactFile {
  runId: number;
  runUrl?: string;
  /** The workflow file of the run that uploaded it, `.github/workflows/ci.yml`. */
  runPath?: string;
  artifact: string;
  /** The file's text, or null when the artifact holds no such file. */
  content: string | null;
}

/**
 * Workflow files of the evaluated commit that differ from the trusted reference's: the base branch of a pull
 * request, the default branch for a release or deployment. A run of such a file executed what the change
 * itself wrote, so it is not evidence about the change.
 */
export interface WorkflowChanges {
  /** The branch compared with; null when there is none (a local checkout): nothing then counts as changed. */
  base: string | null;
  /** Repository paths (`.github/workflows/ci.yml`) present at the commit whose content differs from the base's. */
  changed: string[];
  /** Why nothing counts as changed although files differ (a release commit already on the default branch). */
  note?: string;
}

export interface ReleaseAsset {
  name: string;
  size: number;
  url?: string;
}

export interface Release {
  tag: string;
  name?: string;
  draft: boolean;
  prerelease: boolean;
  url?: string;
  assets: ReleaseAsset[];
}

export interface BranchRules {
  branch: string;
  /** Status check contexts required before merging (rulesets and branch protection). */
  requiredChecks: string[];
  /** Approving reviews required before merging; 0 when none. */
  requiredReviews: number;
}

export type AlertSource = "dependabot" | "code-scanning" | "secret-scanning";
export type Severity = "low" | "medium" | "high" | "critical";

export interface Alert {
  source: AlertSource;
  number: number;
  /** Secret-scanning alerts carry no severity: they are treated as critical. */
  severity: Severity;
  summary: string;
  url?: string;
}

export interface PullRequestFacts {
  number: number;
  title: string;
  labels: string[];
  changedFiles: string[];
  /** GitHub lists at most 3000 changed files. */
  changedFilesTruncated: boolean;
  author?: string;
  url?: string;
}

/** Repository roles, weakest first. Custom roles arrive as their base role (see the ledger reader). */
export const ROLES = ["none", "read", "triage", "write", "maintain", "admin"] as const;

/**
 * A slash command of the ledger, as the engine judges it: what the App recorded when it accepted it, and what
 * has happened to its comment since (see src/commands/ledger.ts).
 */
export interface LedgerCommand {
  verb: "waive" | "unwaive" | "signoff";
  check: string;
  actor: string;
  /** When the comment was posted (ISO). */
  at: string;
  /** Waiver expiry, YYYY-MM-DD (UTC end of day). */
  until?: string;
  reason?: string;
  url?: string;
  /**
   * The comment no longer reads as it did when the App accepted it (edited or deleted), or the App's record
   * of it was altered: a waiver or sign-off from it no longer counts; an unwaive still does.
   */
  edited?: boolean;
  /** The pull request the comment is on (a release gathers the ledgers of several). */
  pullRequest?: number;
  /** That pull request's author, so self-waive can be judged per pull request. */
  prAuthor?: string;
  /** The pull request's head when the App accepted the command: a sign-off is bound to this commit. */
  headSha?: string;
  /** That pull request's head now. */
  prHeadSha?: string;
}

export interface ActorFacts {
  /** admin | maintain | write | triage | read | none */
  permission: string;
  /** `org/team` slugs, among the teams the policy names, this actor belongs to. */
  teams: string[];
  bot?: boolean;
  /**
   * Teams whose membership could not be read (the App lacks Organization members: read); the actor counts as
   * not a member of those, and refusals say why.
   */
  unknownTeams?: string[];
}

/** A record the App wrote when it accepted a comment's commands, as found on a pull request. */
export interface LedgerEntry {
  record: LedgerRecord;
  pullRequest: number;
  /** The App's record comment was changed after it was posted (the App never edits one). */
  tampered: boolean;
  /** The command comment the record answers, as it is now; null when it was deleted. */
  source: { edited: boolean; url?: string } | null;
}

export interface LedgerPullRequest {
  number: number;
  author?: string;
  /** The pull request's head now. */
  headSha?: string;
}

/**
 * The ledger as read from GitHub: the App's records of accepted commands on the target's pull request(s), the
 * state of the comments they answer, and the rights now of the people who gave the waivers and sign-offs.
 */
export interface Ledger {
  entries: LedgerEntry[];
  actors: Record<string, ActorFacts>;
  /** Pull requests whose comments were read. */
  pullRequests: LedgerPullRequest[];
  /**
   * A person altered one of the App's comments (a record, most likely): what it said is not known any more, so
   * every waiver and sign-off given before it was posted (ISO time) is void; a revocation there may be lost.
   */
  voidBefore?: string;
}

/** The ledger as checks see it: commands judged from the records, and the rights of the people who gave them. */
export interface LedgerView {
  commands: LedgerCommand[];
  actors: Record<string, ActorFacts>;
}

/** What a check may ask. `key(need)` identifies it, so equal needs are fetched once. */
export type Need =
  | { type: "files" }
  | { type: "content"; path: string }
  | {
      type: "lastChanged";
      path: string;
      /**
       * Days (a freshness limit): the asker only needs to know whether the last change lies within the last
       * `within` days, so a provider may answer with a ChangeBound instead of a date (the GitHub provider then
       * settles many paths with two requests per window instead of one per path). Absent: an exact date.
       */
      within?: number;
    }
  | { type: "workflowRuns"; workflow: WorkflowRef; branch?: string; jobs?: boolean; limit?: number }
  | { type: "checkRuns" }
  /** creators: every status with who posted it (a status check pinned to a creator), not only the newest. */
  | { type: "statuses"; creators?: boolean }
  | { type: "artifactFile"; workflow: WorkflowRef; artifact: string; file: string; branch?: string }
  /** Which workflow files the evaluated commit changed against its trusted reference (see WorkflowChanges). */
  | { type: "workflowChanges" }
  | { type: "release" }
  | { type: "branchRules"; branch: string }
  | { type: "alerts"; source: AlertSource }
  | { type: "pullRequest" }
  | { type: "ledger"; teams: string[] }
  /** Members of a team (`org/team-slug`), lowercased: attestations whose `by:` names a team. */
  | { type: "teamMembers"; team: string }
  /** A file as it stands where only reviewed changes land (see ReviewedContent): attestations. */
  | { type: "reviewedContent"; path: string };

export interface Answers {
  files: FileIndex;
  /** Text of the file, at most MAX_CONTENT_BYTES; null when absent. */
  content: string | null;
  /**
   * Date of the last commit that touched the path; null when never committed. A need with `within` may get a
   * ChangeBound instead.
   */
  lastChanged: Date | null | ChangeBound;
  /** Newest first. `branch` unset means: runs on the evaluated commit. */
  workflowRuns: WorkflowRun[];
  checkRuns: CheckRunSummary[];
  statuses: CommitStatus[];
  /** null when no completed run of the workflow has that artifact. */
  artifactFile: ArtifactFile | null;
  workflowChanges: WorkflowChanges;
  release: Release | null;
  branchRules: BranchRules;
  /** Open alerts only. */
  alerts: Alert[];
  pullRequest: PullRequestFacts | null;
  ledger: Ledger;
  teamMembers: string[];
  reviewedContent: ReviewedContent;
}

/**
 * A file read where the change being gated cannot have written it: a pull request's base branch (a PR that
 * adds or edits the file counts once merged), the default branch for a release or deployment (what the team
 * attests now, so a rollback to an old commit still sees it); a local checkout reads its working tree.
 */
export interface ReviewedContent {
  /** Text, at most MAX_CONTENT_BYTES; null when absent there. */
  content: string | null;
  /** Where it was read, for the report: "main", "the default branch", "the checkout". */
  from: string;
  url?: string;
}

/**
 * What is known of a last change when only a window was examined: it happened at or before `olderThan`
 * (nothing touched the path since), or at or after `newerThan`. Either settles a freshness limit only when
 * the bound lies on the right side of it; otherwise the answer is as good as unknown.
 */
export type ChangeBound = { olderThan: Date } | { newerThan: Date };

export type NeedType = Need["type"];
export type NeedOf<T extends NeedType> = Extract<Need, { type: T }>;
export type AnswerOf<N extends Need> = Answers[N["type"]];

export const MAX_CONTENT_BYTES = 1024 * 1024;

/**
 * How far past now a commit date may lie and still count as now: clocks of machines that commit differ by
 * seconds, rarely minutes. Beyond it a date (which a committer sets to anything) is in the future, and a
 * future date is never evidence of freshness: it would read "changed today" until that day came.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Stable identity of a need: same key, same answer. */
export function needKey(need: Need): string {
  // The two needs a glob multiplies (thousands per run) get the same string without the generic walk.
  if (need.type === "content" && Object.keys(need).length === 2)
    return `{"path":${JSON.stringify(need.path)},"type":"content"}`;
  if (need.type === "lastChanged" && Object.keys(need).length === (need.within === undefined ? 2 : 3)) {
    const within = need.within === undefined ? "" : `,"within":${JSON.stringify(need.within)}`;
    return `{"path":${JSON.stringify(need.path)},"type":"lastChanged"${within}}`;
  }
  return JSON.stringify(need, (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
}

/** Answers collected for one evaluation, keyed by needKey. */
export class Facts {
  constructor(private readonly answers: ReadonlyMap<string, Fact<unknown>> = new Map()) {}

  get<N extends Need>(need: N): Fact<AnswerOf<N>> {
    const fact = this.answers.get(needKey(need));
    if (!fact) return unknown(`evidence "${need.type}" was not collected`);
    return fact as Fact<AnswerOf<N>>;
  }

  has(need: Need): boolean {
    return this.answers.has(needKey(need));
  }
}

export interface EvidenceProvider {
  /** A short name shown in reports: "local checkout", "GitHub". */
  readonly name: string;
  /** Answers every need; a need that cannot be answered gets `unknown` with a reason, never a throw. */
  collect(needs: Need[], target: Target): Promise<Map<string, Fact<unknown>>>;
}
