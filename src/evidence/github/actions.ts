// GitHub Actions: workflow runs (of the commit, or on a branch), their jobs, and files inside artifacts.
//
// Runs of the commit come from ONE listing (`actions/runs?head_sha=`) shared by every workflow and artifact
// need, filtered here by workflow name or file. Runs on a branch are listed per workflow.
//
// Artifacts of the commit's runs come from ONE repository-wide listing too (`actions/artifacts`, newest 100),
// instead of one listing per run: the runs of the commit being evaluated are recent, so their artifacts are
// on that page. It is trusted to be complete for a run only when it visibly reaches back past the run's start
// (the page is newest first and holds an older artifact) or holds every artifact of the repository; otherwise
// that run's own listing is read as before. The price: the repository-wide page changes whenever any run
// anywhere uploads an artifact, so on a busy repository a re-evaluation pays for it where per-run listings
// would have been 304s.
import {
  type ArtifactFile,
  type Fact,
  known,
  unknown,
  type WorkflowJob,
  type WorkflowRef,
  type WorkflowRun,
} from "../types.js";
import { explain, PERMISSIONS } from "./failure.js";
import { decodeText } from "./files.js";
import { at, type RepoScope } from "./scope.js";
import { readEntry } from "./unzip.js";

interface RawRun {
  id: number;
  name?: string | null;
  path?: string;
  head_sha: string;
  head_branch?: string | null;
  event: string;
  status: string | null;
  conclusion: string | null;
  created_at: string;
  html_url?: string;
  head_repository?: { full_name?: string | null } | null;
  /** Same-repository pull requests the run is for (GitHub leaves it empty for a fork's). */
  pull_requests?: { number: number }[] | null;
}

/**
 * Events whose runs execute a pull request's copy of the workflow (a fork's included). GitHub's `branch` filter
 * matches `head_branch`, which for such a run is the PR's head branch: a fork's branch named `main` too.
 */
const PULL_REQUEST_EVENTS = new Set([
  "pull_request",
  "pull_request_target",
  "pull_request_review",
  "pull_request_review_comment",
]);

interface RawJob {
  name: string;
  status: string;
  conclusion: string | null;
}

interface RawArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
  created_at?: string | null;
  workflow_run?: { id?: number } | null;
}

const RECENT_ARTIFACTS = 100;

/** Runs newest first; the API already sorts so, this keeps it stable whatever a page boundary does. */
const newestFirst = (a: RawRun, b: RawRun) =>
  a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id;

function toRun(r: RawRun): WorkflowRun {
  const run: WorkflowRun = {
    id: r.id,
    name: r.name ?? "",
    path: workflowPath(r.path ?? ""),
    headSha: r.head_sha,
    branch: r.head_branch ?? null,
    event: r.event,
    status: r.status ?? "unknown",
    conclusion: r.conclusion ?? null,
    createdAt: r.created_at,
  };
  if (r.html_url) run.url = r.html_url;
  return run;
}

/** `.github/workflows/ci.yml@refs/heads/main` (reusable and dynamic workflows) → `.github/workflows/ci.yml`. */
const workflowPath = (p: string) => p.replace(/@.*$/, "");

const fileName = (p: string) => p.slice(p.lastIndexOf("/") + 1);

export function matchesWorkflow(run: { name?: string | null; path?: string }, ref: WorkflowRef): boolean {
  if (ref.file) {
    const path = workflowPath(run.path ?? "");
    return ref.file.includes("/") ? path === ref.file.replace(/^\.?\//, "") : fileName(path) === ref.file;
  }
  return ref.name !== undefined && run.name === ref.name;
}

const describe = (ref: WorkflowRef) => (ref.file ? `workflow ${ref.file}` : `workflow "${ref.name ?? "?"}"`);

export class Actions {
  private recent: Promise<RawArtifact[] | null> | undefined;

  constructor(private readonly s: RepoScope) {}

  /** The repository's newest artifacts, one page for every artifact need of the commit; null if unreadable. */
  private recentArtifacts(): Promise<RawArtifact[] | null> {
    this.recent ??= this.s.reader
      .get<{ artifacts?: RawArtifact[] }>("GET /repos/{owner}/{repo}/actions/artifacts", {
        ...at(this.s),
        per_page: RECENT_ARTIFACTS,
      })
      .then((reply) => (reply.ok ? [...(reply.data.artifacts ?? [])] : null));
    return this.recent;
  }

  /** The run's artifact of that name from the shared page, null if the page shows it has none, else undefined. */
  private async fromRecent(run: RawRun, name: string): Promise<RawArtifact | null | undefined> {
    const page = await this.recentArtifacts();
    if (!page) return undefined;
    const found = page.find((a) => a.workflow_run?.id === run.id && a.name === name);
    if (found) return found;
    if (page.length < RECENT_ARTIFACTS) return null;
    const times = page.map((a) => Date.parse(a.created_at ?? ""));
    const newestFirst = times.every((t, i) => Number.isFinite(t) && (i === 0 || t <= times[i - 1]!));
    return newestFirst && times[times.length - 1]! < Date.parse(run.created_at) ? null : undefined;
  }

  /**
   * The runs of the commit that are evidence for pull request `pr` (undefined: a release or deployment). A
   * pull_request run tests the merge of its head into ITS pull request's base, with that merge's workflow
   * file: another pull request with the same head, into a branch a writer controls, runs whatever that branch
   * says. So a pull request counts its own pull_request runs (GitHub lists a same-repository PR's number; a
   * fork's list is empty) and runs of other events; a release or deployment counts no pull_request run.
   */
  private async runsFor(pr: number | undefined): Promise<Fact<RawRun[]>> {
    const all = await this.runsOfCommit();
    if (all.state !== "ok") return all;
    return known(
      all.value.filter((r) => {
        if (!PULL_REQUEST_EVENTS.has(r.event)) return true;
        if (pr === undefined) return false;
        const prs = r.pull_requests ?? [];
        return prs.length === 0 || prs.some((p) => p.number === pr);
      }),
    );
  }

  /** Every run of the evaluated commit: one listing, whatever the number of workflow needs. */
  private async runsOfCommit(): Promise<Fact<RawRun[]>> {
    const paged = await this.s.reader.pages<RawRun>(
      "GET /repos/{owner}/{repo}/actions/runs",
      // With their pull_requests: a run of another pull request on this commit is not evidence (countsFor).
      { ...at(this.s), head_sha: this.s.sha, per_page: 100 },
      this.s.limits.listPages,
      (d) => (d as { workflow_runs?: RawRun[] }).workflow_runs ?? [],
    );
    if (!paged.ok) return unknown(explain(paged.failure, "workflow runs of the commit", PERMISSIONS.actions));
    if (paged.truncated)
      this.s.log.warn(
        `more than ${paged.items.length} workflow runs on one commit: only the newest were read`,
      );
    return known(paged.items.sort(newestFirst));
  }

  /** The workflow's id for the runs-by-workflow endpoint: the file name works as an id, a name needs the list. */
  private async workflowId(ref: WorkflowRef): Promise<Fact<string | number | null>> {
    if (ref.file) return known(fileName(ref.file));
    const paged = await this.s.reader.pages<{ id: number; name: string; path: string }>(
      "GET /repos/{owner}/{repo}/actions/workflows",
      { ...at(this.s), per_page: 100 },
      this.s.limits.listPages,
      (d) => (d as { workflows?: { id: number; name: string; path: string }[] }).workflows ?? [],
    );
    if (!paged.ok) return unknown(explain(paged.failure, "list of workflows", PERMISSIONS.actions));
    const found = paged.items.find((w) => w.name === ref.name);
    if (!found && paged.truncated)
      return unknown(
        `workflow "${ref.name}": not among the first ${paged.items.length} workflows of the repository`,
      );
    return known(found ? found.id : null);
  }

  private async runsOnBranch(
    ref: WorkflowRef,
    branch: string,
    params: Record<string, unknown>,
  ): Promise<Fact<RawRun[]>> {
    const subject = `runs of ${describe(ref)} on ${branch}`;
    const id = await this.workflowId(ref);
    if (id.state !== "ok") return id;
    if (id.value === null) return known([]);
    const reply = await this.s.reader.get<{ workflow_runs?: RawRun[] }>(
      "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
      { ...at(this.s), workflow_id: id.value, branch, exclude_pull_requests: true, ...params },
    );
    if (!reply.ok) {
      // 404: no workflow file by that name. The check then finds no run, which is what a person expects.
      if (reply.failure.status === 404) return known([]);
      return unknown(explain(reply.failure, subject, PERMISSIONS.actions));
    }
    // Runs "on a branch" are the repository's own branch's: a pull request's run (a fork's branch may have the
    // same name) executes the pull request's workflow file and is no evidence of the branch.
    const own = `${this.s.owner}/${this.s.repo}`.toLowerCase();
    const runs = (reply.data.workflow_runs ?? []).filter(
      (r) =>
        !PULL_REQUEST_EVENTS.has(r.event) &&
        (r.head_repository?.full_name == null || r.head_repository.full_name.toLowerCase() === own),
    );
    // A copy: the response may be the ETag cache's, shared with later evaluations.
    return known(runs.sort(newestFirst));
  }

  async workflowRuns(
    need: {
      workflow: WorkflowRef;
      branch?: string;
      jobs?: boolean;
      limit?: number;
    },
    pr?: number,
  ): Promise<Fact<WorkflowRun[]>> {
    const limit = Math.max(1, Math.min(100, need.limit ?? (need.branch ? 10 : 100)));
    const raw = need.branch
      ? await this.runsOnBranch(need.workflow, need.branch, { per_page: limit })
      : await this.runsFor(pr);
    if (raw.state !== "ok") return raw;
    const runs = raw.value
      .filter((r) => matchesWorkflow(r, need.workflow))
      .slice(0, limit)
      .map(toRun);
    if (!need.jobs || runs.length === 0) return known(runs);
    // Jobs for the newest run and the newest completed one: what a jobs requirement is judged on.
    const targets = new Set(
      [runs[0], runs.find((r) => r.status === "completed")].filter((r) => r !== undefined),
    );
    for (const run of targets) {
      const jobs = await this.jobs(run.id);
      if (jobs.state !== "ok") return jobs;
      run.jobs = jobs.value;
    }
    return known(runs);
  }

  private async jobs(runId: number): Promise<Fact<WorkflowJob[]>> {
    const paged = await this.s.reader.pages<RawJob>(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
      { ...at(this.s), run_id: runId, per_page: 100 },
      this.s.limits.listPages,
      (d) => (d as { jobs?: RawJob[] }).jobs ?? [],
    );
    if (!paged.ok) return unknown(explain(paged.failure, `jobs of run ${runId}`, PERMISSIONS.actions));
    return known(
      paged.items.map((j) => ({ name: j.name, status: j.status, conclusion: j.conclusion ?? null })),
    );
  }

  /**
   * A file inside an artifact of the latest successful run of a workflow (of the commit, or on a branch).
   * `file` "" asks whether the artifact exists: nothing is downloaded and `content` is null.
   */
  async artifactFile(
    need: {
      workflow: WorkflowRef;
      artifact: string;
      file: string;
      branch?: string;
    },
    pr?: number,
  ): Promise<Fact<ArtifactFile | null>> {
    const subject = `artifact "${need.artifact}" of ${describe(need.workflow)}`;
    const runs = need.branch
      ? // More than one: a pull request's run of the same name may be the newest (it does not count).
        await this.runsOnBranch(need.workflow, need.branch, { status: "success", per_page: 10 })
      : await this.runsFor(pr);
    if (runs.state !== "ok") return runs;
    const run = runs.value.find(
      (r) => matchesWorkflow(r, need.workflow) && r.status === "completed" && r.conclusion === "success",
    );
    if (!run) return known(null);

    let artifact = need.branch ? undefined : await this.fromRecent(run, need.artifact);
    if (artifact === undefined) {
      const listed = await this.s.reader.get<{ artifacts?: RawArtifact[] }>(
        "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
        { ...at(this.s), run_id: run.id, name: need.artifact },
      );
      if (!listed.ok) return unknown(explain(listed.failure, subject, PERMISSIONS.actions));
      artifact = (listed.data.artifacts ?? []).find((a) => a.name === need.artifact) ?? null;
    }
    if (!artifact) return known(null);
    const base: ArtifactFile = {
      runId: run.id,
      runPath: workflowPath(run.path ?? ""),
      artifact: need.artifact,
      content: null,
    };
    if (run.html_url) base.runUrl = run.html_url;
    if (need.file === "") return known(base);

    if (artifact.expired)
      return unknown(`${subject}: the artifact of run ${run.id} has expired, so ${need.file} cannot be read`);
    const max = this.s.limits.maxArtifactBytes;
    if (artifact.size_in_bytes > max) {
      return unknown(
        `${subject}: the artifact is ${mib(artifact.size_in_bytes)}; artifacts over ${mib(max)} are not downloaded`,
      );
    }
    // GitHub answers 302 to a storage URL valid for a minute; fetch follows it (without our Authorization).
    const zip = await this.s.reader.get<unknown>(
      "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}",
      { ...at(this.s), artifact_id: artifact.id, archive_format: "zip" },
    );
    if (!zip.ok) return unknown(explain(zip.failure, subject, PERMISSIONS.actions));
    const bytes = toBytes(zip.data);
    if (!bytes) return unknown(`${subject}: the download was not a zip archive`);
    if (bytes.byteLength > max) return unknown(`${subject}: the download is over ${mib(max)}`);
    const text = await readZipEntry(bytes, need.file, this.s.limits.maxContentBytes);
    if (text.state !== "ok") return unknown(`${subject}: ${text.reason}`);
    return known({ ...base, content: text.value });
  }
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * Inflates only the wanted entry, streaming and bounded by what it actually inflates to (its header may lie),
 * yielding to the event loop as it goes: a zip bomb's other entries are never touched.
 */
export async function readZipEntry(
  zip: Uint8Array,
  file: string,
  maxBytes: number,
): Promise<Fact<string | null>> {
  const wanted = file.replace(/^\.?\//, "");
  const read = await readEntry(zip, wanted, maxBytes);
  if (read.state === "too-large")
    return unknown(
      read.declared !== undefined
        ? `${wanted} is ${mib(read.declared)} uncompressed; files over ${mib(maxBytes)} are not read`
        : `${wanted} inflates to more than ${mib(maxBytes)}, though its zip header says less; files over ${mib(maxBytes)} are not read`,
    );
  if (read.state === "unreadable")
    return unknown(`the artifact is not a readable zip archive (${read.reason})`);
  return known(read.bytes ? decodeText(read.bytes, maxBytes) : null);
}
