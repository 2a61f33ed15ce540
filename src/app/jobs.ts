// Work items: what a webhook (or reconcile) asks the App to do, as plain data. Handlers build them from
// payloads without any I/O; the service (evaluate.ts) carries them out.

export interface PullRequestData {
  number: number;
  state: string;
  draft: boolean;
  baseRef: string;
  headRef: string;
  headSha: string;
  labels: string[];
  author?: string;
  url?: string;
}

export interface ReleaseData {
  id: number;
  tag: string;
  name?: string;
  draft: boolean;
  prerelease: boolean;
  url?: string;
}

export interface DeploymentData {
  environment: string;
  sha: string;
  ref?: string;
  deploymentId?: number;
  deploymentUrl?: string;
  /** The workflow run waiting on the gate (parsed from deployment_callback_url); absent: report only. */
  runId?: number;
  /** Status comments already posted while pending (GitHub accepts ten per deployment). */
  progressReports?: number;
}

/** A pull request comment holding `/readiness` lines, as the issue_comment payload gave it. */
export interface CommandComment {
  id: number;
  body: string;
  /** Login of the comment's author (bots never get here). */
  author: string;
  /** When it was posted (ISO): `for 14d` counts from that day and expiry rules are judged against it. */
  createdAt: string;
  url?: string;
  /** Set for an edit: the body before it (`changes.body.from`). Commands of an edited comment never count. */
  editedFrom?: string;
}

interface JobBase {
  installationId: number;
  owner: string;
  repo: string;
  defaultBranch?: string;
  /** X-GitHub-Delivery ids that asked for this work (several once coalesced). */
  deliveries: string[];
  /** What asked: "pull_request.synchronize", "reconcile", ... */
  reason: string;
}

export type Job = JobBase &
  (
    | {
        type: "pull_request";
        number: number;
        /**
         * The commit the event was about; the PR is skipped if its head has moved on. Unknown for events
         * that name only the pull request (a comment): its current head is evaluated.
         */
        sha?: string;
        /** Taken from the payload when it carries the whole pull request; fetched otherwise. */
        pr?: PullRequestData;
        /** The event may have taken the PR out of the gate (label removed, base changed). */
        mayLeaveGate?: boolean;
        /**
         * The PR's base changed: a result judged under the old base (a writer's lenient branch) must not stand
         * while the new base's policy is evaluated.
         */
        retargeted?: boolean;
      }
    /**
     * Something finished on a commit (a workflow run): re-evaluate the pull requests it heads (listed, or
     * found by sha for fork PRs), releases and deployments waiting on it, and with `onDefaultBranch` every
     * open release PR.
     */
    | {
        type: "commit";
        sha: string;
        prNumbers: number[];
        /** The workflow listed its pull requests and they were queued already: none to look for. */
        listed?: boolean;
        onDefaultBranch: boolean;
      }
    /** Every open pull request the policy gates (into `base`, when given), e.g. after the policy changed. */
    | { type: "release_prs"; base?: string }
    | { type: "release"; release: ReleaseData }
    /** A tag was pushed (or moved): its release, if it has one that is not a draft, is evaluated again. */
    | { type: "release_tag"; tag: string }
    /**
     * GitHub's merge queue made a merge commit (`sha`) on `gh-readonly-queue/<base>/pr-<n>-<sha>` and waits
     * for the required checks on it: evaluated with `base`'s policy in the context of pull request `number`
     * (undefined when the queue branch names none: the gate fails closed).
     */
    | { type: "merge_group"; sha: string; base: string; headRef: string; number?: number }
    | { type: "deployment"; deployment: DeploymentData }
    /** A re-run asked on a check run or suite: the check run's external_id says what it was for. */
    | { type: "rerun"; sha: string; externalId?: string; prNumbers: number[] }
    /**
     * Slash commands in a comment on pull request `number`: decide, react, reply, audit, then re-evaluate the
     * pull request (its ledger is re-read from the comments, so nothing is stored).
     */
    | { type: "command"; number: number; comment: CommandComment }
  );

export function repoName(job: Pick<JobBase, "owner" | "repo">): string {
  return `${job.owner}/${job.repo}`;
}

/**
 * Someone waits on it: a deployment held by its protection rule, or a comment command awaiting its reply. It
 * goes ahead of the evaluations a burst of pushes or a sweep queued. (A finished workflow is not: a stream of
 * them would starve the pull requests; the deployments waiting on its commit are queued when it arrives.)
 */
export function urgentJob(job: Job): boolean {
  return job.type === "deployment" || job.type === "command";
}

/** Jobs with equal keys coalesce: same repository, commit and context. */
export function jobKey(job: Job): string {
  const r = repoName(job);
  switch (job.type) {
    case "pull_request":
      // One key per pull request, whatever the commit: two of its evaluations never run at once (each would
      // write the one sticky comment), and the later one, which sees the newest head, speaks last.
      return `${r}:pull_request:${job.number}`;
    case "commit":
      return `${r}@${job.sha}:commit`;
    case "release_prs":
      return `${r}:release_prs:${job.base ?? "*"}`;
    case "release":
      return `${r}:release:${job.release.id}`;
    case "release_tag":
      return `${r}:release_tag:${job.tag}`;
    case "merge_group":
      return `${r}@${job.sha}:merge_group`;
    case "deployment":
      return `${r}@${job.deployment.sha}:deployment:${job.deployment.environment}:${job.deployment.runId ?? "-"}`;
    case "rerun":
      return `${r}@${job.sha}:rerun`;
    case "command":
      // Every comment is answered, and its edit separately: command jobs never coalesce with each other.
      return `${r}:command:${job.number}:${job.comment.id}:${job.comment.editedFrom === undefined ? "created" : "edited"}`;
  }
}

/** The newer job wins, but remembers every delivery that asked for it. */
export function mergeJobs(older: Job, newer: Job): Job {
  const deliveries = [...new Set([...older.deliveries, ...newer.deliveries])].slice(-20);
  const merged = { ...newer, deliveries } as Job;
  if (older.type === "pull_request" && merged.type === "pull_request") {
    merged.mayLeaveGate = Boolean(older.mayLeaveGate || merged.mayLeaveGate);
    if (older.retargeted || merged.retargeted) merged.retargeted = true;
    // The payload's pull request only goes with its own commit: a newer job for another head must not
    // inherit an older head's data.
    if (!merged.pr && older.pr && merged.sha !== undefined && older.pr.headSha === merged.sha)
      merged.pr = older.pr;
  }
  if (older.type === "commit" && merged.type === "commit") {
    // Either one's pull requests, and a look for unlisted (fork) ones if either asked for it.
    merged.prNumbers = [...new Set([...older.prNumbers, ...merged.prNumbers])];
    merged.listed = Boolean(older.listed && merged.listed);
    merged.onDefaultBranch = older.onDefaultBranch || merged.onDefaultBranch;
  }
  return merged;
}

/** The commit a job is about, when it is known before any lookup (for logs). */
export function jobSha(job: Job): string | undefined {
  switch (job.type) {
    case "pull_request":
    case "commit":
    case "rerun":
    case "merge_group":
      return job.sha;
    case "deployment":
      return job.deployment.sha;
    default:
      return undefined;
  }
}

/**
 * What a check run was for, kept in its external_id so a re-run or reconcile knows the target again.
 * `ts`: the result can change with time alone (waivers expire, maxAgeDays), so reconcile revisits it.
 */
export interface RunTag {
  context: "pull_request" | "release" | "deployment";
  pr?: number;
  /**
   * Every gated pull request whose verdict the run carries (they share this head commit). A pull request not
   * listed here, or one listed beside others, makes the next evaluation look for the others again.
   */
  prs?: number[];
  /**
   * The merge group's claim: this commit is the merge queue's commit for pull request `pr` into `base`, judged
   * with `base`'s policy. Kept beside the pull requests' claims (a writer can open a PR with this head).
   */
  queue?: { pr: number; base: string };
  /**
   * The base branch every claim was judged against, when they share one: a run is "main's score" for the
   * "+5.4 vs main" delta only when its verdict came from main's policy (a PR from main's head commit into a
   * writer's branch must not set it).
   */
  base?: string;
  release?: number;
  environment?: string;
  timeSensitive?: boolean;
  /**
   * `inc`: not a settled result. GitHub did not answer (could not evaluate) or some evidence could not be
   * read, so reconcile evaluates it again.
   */
  incomplete?: boolean;
  /** Fingerprint of the result written (conclusion, title, summary without its timestamp, annotations). */
  fingerprint?: string;
  /**
   * `cm`: the sticky comment written after the run, on pull request `pr`, and its text's hash
   * (publish/comment.ts commentHash). The run goes first; reconcile heals a comment missing or not this one.
   */
  comment?: { pr: number; hash: string };
}

/** Pull request numbers kept in a run's external_id; more is rare and only costs a listing. */
const MAX_CLAIMS = 20;

export function formatRunTag(tag: RunTag): string {
  const parts = [`ctx=${tag.context}`];
  if (tag.pr !== undefined) parts.push(`pr=${tag.pr}`);
  if (tag.prs && tag.prs.length > 1) parts.push(`prs=${tag.prs.slice(0, MAX_CLAIMS).join(".")}`);
  if (tag.queue) parts.push(`mq=${tag.queue.pr}:${encodeURIComponent(tag.queue.base)}`);
  if (tag.base !== undefined) parts.push(`b=${encodeURIComponent(tag.base)}`);
  if (tag.release !== undefined) parts.push(`release=${tag.release}`);
  if (tag.environment !== undefined) parts.push(`env=${encodeURIComponent(tag.environment)}`);
  if (tag.timeSensitive) parts.push("ts=1");
  if (tag.incomplete) parts.push("inc=1");
  if (tag.fingerprint) parts.push(`fp=${tag.fingerprint}`);
  if (tag.comment) parts.push(`cm=${tag.comment.pr}:${tag.comment.hash}`);
  return `readiness;${parts.join(";")}`;
}

export function parseRunTag(text: string | null | undefined): RunTag | null {
  if (!text?.startsWith("readiness;")) return null;
  const fields = new Map(
    text
      .split(";")
      .slice(1)
      .map((p) => {
        const i = p.indexOf("=");
        return [p.slice(0, i), p.slice(i + 1)] as const;
      }),
  );
  const context = fields.get("ctx");
  if (context !== "pull_request" && context !== "release" && context !== "deployment") return null;
  const tag: RunTag = { context };
  const pr = Number(fields.get("pr"));
  if (Number.isInteger(pr) && pr > 0) tag.pr = pr;
  const prs = (fields.get("prs") ?? "")
    .split(".")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .slice(0, MAX_CLAIMS);
  if (prs.length > 1) tag.prs = prs;
  const mq = /^(\d+):(.+)$/.exec(fields.get("mq") ?? "");
  if (mq && Number(mq[1]) > 0) {
    try {
      tag.queue = { pr: Number(mq[1]), base: decodeURIComponent(mq[2]!) };
    } catch {
      // A claim that cannot be read is dropped: the next merge_group event writes it again.
    }
  }
  const base = fields.get("b");
  if (base) {
    try {
      tag.base = decodeURIComponent(base);
    } catch {
      // Unreadable: no base, so the run sets no delta.
    }
  }
  const release = Number(fields.get("release"));
  if (Number.isInteger(release) && release > 0) tag.release = release;
  const env = fields.get("env");
  if (env) {
    try {
      tag.environment = decodeURIComponent(env);
    } catch {
      tag.environment = env;
    }
  }
  if (fields.get("ts") === "1") tag.timeSensitive = true;
  if (fields.get("inc") === "1") tag.incomplete = true;
  const fp = fields.get("fp");
  if (fp && /^[0-9a-f]{6,64}$/.test(fp)) tag.fingerprint = fp;
  const cm = /^(\d+):([0-9a-f]{6,64})$/.exec(fields.get("cm") ?? "");
  if (cm && Number(cm[1]) > 0) tag.comment = { pr: Number(cm[1]), hash: cm[2]! };
  return tag;
}

/** The fields every job carries, for a follow-up job of another type. */
export function jobBase(job: Job) {
  return {
    installationId: job.installationId,
    owner: job.owner,
    repo: job.repo,
    ...(job.defaultBranch ? { defaultBranch: job.defaultBranch } : {}),
    deliveries: job.deliveries,
    reason: job.reason,
  };
}
