import { z } from "zod";
import type { Fact, Need, NeedOf, WorkflowChanges, WorkflowRef, WorkflowRun } from "../evidence/types.js";
import {
  ageMs,
  describeAge,
  failed,
  joinAnd,
  link,
  type Part,
  passed,
  pendingResult,
  plural,
  settle,
  shortSha,
  unknownResult,
  withinDays,
} from "./common.js";
import { ALL_CONTEXTS, defineKind, type EvidenceLink, type KindResult } from "./types.js";

const schema = () =>
  z
    .strictObject({
      name: z.string().min(1).optional().describe("Workflow name, as in its `name:`."),
      file: z.string().min(1).optional().describe("Workflow file, e.g. ci.yml or .github/workflows/ci.yml."),
      branch: z
        .string()
        .min(1)
        .optional()
        .describe("Look at the latest runs on this branch instead of the evaluated commit."),
      maxAgeDays: z
        .number()
        .positive()
        .optional()
        .describe("With branch: the latest successful run must be at most this many days old."),
      streak: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          "With branch: the last N completed runs must all have succeeded (default 1 unless maxAgeDays is set).",
        ),
      jobs: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("Jobs of the run that must have succeeded; `test` also covers matrix jobs `test (…)`."),
      conclusions: z
        .array(z.string().min(1))
        .min(1)
        .default(["success"])
        .describe("Conclusions that count as success, for the run and its jobs."),
    })
    .refine((p) => p.name !== undefined || p.file !== undefined, {
      message: "a workflow check needs a name or a file",
    });
type Params = z.output<ReturnType<typeof schema>>;

/** Below this a branch's history is too short to be worth a request of its own. */
const MIN_BRANCH_RUNS = 10;

const refOf = (p: Params): WorkflowRef => ({
  ...(p.name !== undefined ? { name: p.name } : {}),
  ...(p.file !== undefined ? { file: p.file } : {}),
});
const labelOf = (p: Params): string => p.name ?? p.file!;
const branchLimit = (p: Params): number => Math.max(p.streak ?? 0, MIN_BRANCH_RUNS);

const CHANGES: NeedOf<"workflowChanges"> = { type: "workflowChanges" };

const runsNeed = (p: Params): NeedOf<"workflowRuns"> => ({
  type: "workflowRuns",
  workflow: refOf(p),
  ...(p.branch !== undefined ? { branch: p.branch, limit: branchLimit(p) } : {}),
  ...(p.jobs ? { jobs: true } : {}),
});

/** Providers answer per workflow already; filtering again keeps a loose answer from deciding a check. */
function isOfWorkflow(run: WorkflowRun, p: Params): boolean {
  const path = run.path.replace(/@.*$/, "");
  if (p.file !== undefined && path !== p.file && !path.endsWith(`/${p.file}`)) return false;
  return p.name === undefined || run.name === p.name;
}

const time = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};
const newestFirst = (a: WorkflowRun, b: WorkflowRun): number =>
  time(b.createdAt) - time(a.createdAt) || b.id - a.id;

const CONCLUSION_WORDS: Record<string, string> = {
  failure: "failed",
  cancelled: "was cancelled",
  timed_out: "timed out",
  skipped: "was skipped",
  action_required: "needs action",
  startup_failure: "failed to start",
  stale: "went stale",
  neutral: "ended neutral",
};
/** "timed out on abc1234 (conclusion: timed_out)" */
function concluded(conclusion: string | null, where = ""): string {
  const at = where ? ` ${where}` : "";
  if (conclusion === null) return `finished without a conclusion${at}`;
  return `${CONCLUSION_WORDS[conclusion] ?? "did not succeed"}${at} (conclusion: ${conclusion})`;
}

function runningWords(status: string): string {
  if (status === "action_required") return "is waiting for approval to run";
  if (status === "waiting") return "is still running (waiting for a deployment approval)";
  return "is still running";
}

const runLink = (label: string, run: WorkflowRun, what?: string): EvidenceLink =>
  link(`${label} run${what ? ` (${what})` : ""}`, run.url);

/** Named jobs across the given runs: each must have run, and every instance of it succeeded. */
function jobParts(p: Params, runs: WorkflowRun[], where: string): Part[] {
  if (!p.jobs) return [];
  if (runs.some((r) => r.jobs === undefined)) {
    return [{ state: "unknown", reason: `the jobs of the ${labelOf(p)} run ${where} were not listed` }];
  }
  const ok = new Set(p.conclusions);
  const jobs = runs.flatMap((r) => r.jobs ?? []);
  return p.jobs.map((name): Part => {
    // Matrix jobs are named `test (ubuntu, 20)`, reusable-workflow jobs `deploy / push`.
    const instances = jobs.filter(
      (j) => j.name === name || j.name.startsWith(`${name} (`) || j.name.startsWith(`${name} / `),
    );
    if (instances.length === 0) return { state: "fail", reason: `job ${name} did not run ${where}` };
    const running = instances.find((j) => j.status !== "completed");
    const bad = instances.find((j) => j.status === "completed" && !ok.has(j.conclusion ?? ""));
    if (bad) return { state: "fail", reason: `job ${bad.name} ${concluded(bad.conclusion, where)}` };
    if (running) return { state: "pending", reason: `job ${running.name} is still running ${where}` };
    return { state: "ok" };
  });
}

/** The first reason of the state that decided the check, with every other reason as details. */
function outcome(parts: Part[], passSummary: string, evidence: EvidenceLink[], fix: string): KindResult {
  const { status, credit } = settle(parts);
  if (status === "pass") return passed(passSummary, { evidence });
  const lead = parts.find((x) => x.state === status)!;
  const details = parts.filter((x) => x.state !== "ok" && x !== lead).map((x) => x.reason!);
  const extra = { details, evidence };
  if (status === "unknown") return unknownResult(lead.reason!, extra);
  if (status === "pending") return pendingResult(lead.reason!, credit, extra);
  return failed(lead.reason!, credit, { ...extra, fix });
}

function onCommit(
  p: Params,
  all: WorkflowRun[],
  sha: string | undefined,
  changes: Fact<WorkflowChanges>,
): KindResult {
  const label = labelOf(p);
  const at = shortSha(sha);
  // Without the evaluated commit no run can be tied to it: fail closed rather than take any commit's run.
  if (!sha)
    return unknownResult(`the evaluated commit is not known, so no run of ${label} can be tied to it`);
  const ofCommit = all.filter((r) => isOfWorkflow(r, p) && r.headSha === sha).sort(newestFirst);
  const trust = trusted(ofCommit, changes, at);
  if (trust.verdict) return trust.verdict;
  const runs = trust.runs;
  if (runs.length === 0) {
    return failed(`no run of ${label} on ${at}`, 0, {
      fix: `Run the ${label} workflow on this commit (push again, or run it from the Actions tab)`,
    });
  }
  // Like policy-bot: a workflow triggered by several events must pass for the latest run of each.
  const latest = new Map<string, WorkflowRun>();
  for (const r of runs) latest.set(`${r.path}\0${r.event}`, latest.get(`${r.path}\0${r.event}`) ?? r);
  const chosen = [...latest.values()];
  const events = new Set(chosen.map((r) => r.event));
  const byEvent = events.size > 1;
  const ok = new Set(p.conclusions);
  const parts: Part[] = chosen.map((r): Part => {
    const on = `on ${at}${byEvent ? ` (${r.event})` : ""}`;
    if (r.status !== "completed")
      return { state: "pending", reason: `${label} ${runningWords(r.status)} ${on}` };
    if (ok.has(r.conclusion ?? "")) return { state: "ok" };
    return { state: "fail", reason: `${label} ${concluded(r.conclusion, on)}` };
  });
  parts.push(...jobParts(p, chosen, `on ${at}`));
  // Runs of a rewritten copy were set aside above; a pass must not rest on what could not be compared.
  if (trust.unknown) parts.push({ state: "unknown", reason: trust.unknown });
  const evidence = chosen.map((r) =>
    runLink(label, r, `${byEvent ? `${r.event}, ` : ""}${r.conclusion ?? r.status}`),
  );
  const jobsNote = p.jobs ? `; jobs ${joinAnd(p.jobs)} succeeded` : "";
  const eventsNote = byEvent ? ` (${[...events].join(", ")})` : "";
  return outcome(
    parts,
    `${label} succeeded on ${at}${eventsNote}${jobsNote}`,
    evidence,
    `Fix what failed and re-run the ${label} workflow`,
  );
}

const runFile = (r: WorkflowRun): string => r.path.replace(/@.*$/, "");

/**
 * The runs that are evidence: those of a workflow file the evaluated commit did not change against its
 * trusted reference (workflow-files.ts explains which). A pull request's run executes the pull request's own
 * copy of the file, so a copy rewritten to `exit 0` would otherwise pass its own gate. When every run is of a
 * changed file the check fails, saying so; when the comparison could not be made, a pass becomes unknown.
 */
export function trusted(
  runs: WorkflowRun[],
  changes: Fact<WorkflowChanges>,
  at: string,
): { runs: WorkflowRun[]; verdict?: KindResult; unknown?: string } {
  if (changes.state === "unknown")
    return {
      runs,
      unknown: `whether this change rewrote the workflow file could not be read: ${changes.reason}`,
    };
  const changed = new Set(changes.value.changed);
  const kept = runs.filter((r) => !changed.has(runFile(r)));
  if (kept.length > 0 || runs.length === 0) return { runs: kept };
  const files = [...new Set(runs.map(runFile))];
  const base = changes.value.base ?? "the base branch";
  return {
    runs: kept,
    verdict: failed(
      `${joinAnd(files)} ${files.length === 1 ? "differs" : "differ"} from ${base}'s copy, so ${files.length === 1 ? "its runs" : "their runs"} on ${at} are not evidence: a run executes the changed file, which the change itself wrote`,
      0,
      {
        evidence: runs.slice(0, 3).map((r) => link(`${r.name || runFile(r)} run (not counted)`, r.url)),
        fix: `Merge the change to ${joinAnd(files)} into ${base} on its own first (then update this branch), or have a maintainer waive this check`,
      },
    ),
  };
}

function onBranch(p: Params, branch: string, all: WorkflowRun[], now: Date): KindResult {
  const label = labelOf(p);
  const limit = branchLimit(p);
  const runs = all.filter((r) => isOfWorkflow(r, p) && r.branch === branch).sort(newestFirst);
  const completed = runs.filter((r) => r.status === "completed");
  if (completed.length === 0) {
    if (runs.length > 0) {
      return pendingResult(
        `${label} has no completed run on ${branch} yet; one ${runningWords(runs[0]!.status)}`,
      );
    }
    return failed(`no run of ${label} on ${branch}`, 0, { fix: `Run the ${label} workflow on ${branch}` });
  }
  const ok = new Set(p.conclusions);
  const succeeded = (r: WorkflowRun) => ok.has(r.conclusion ?? "");
  // The provider lists at most `limit` runs: when the list is full, older runs exist that it did not show.
  const listFull = runs.length >= limit;
  const parts: Part[] = [];
  const notes: string[] = [];
  const evidence: EvidenceLink[] = [];
  const streak = p.streak ?? (p.maxAgeDays === undefined ? 1 : undefined);

  if (streak !== undefined) {
    const last = completed.slice(0, streak);
    const bad = last.filter((r) => !succeeded(r));
    if (bad.length > 0) {
      const first = bad[0]!;
      const when = describeAge(ageMs(first.createdAt, now));
      parts.push({
        state: "fail",
        reason:
          streak === 1
            ? `the latest ${label} run on ${branch} ${concluded(first.conclusion)}`
            : `${bad.length} of the last ${streak} ${label} runs on ${branch} did not succeed; the latest of them (${when}) ${concluded(first.conclusion)}`,
      });
      evidence.push(runLink(label, first, first.conclusion ?? "no conclusion"));
    } else if (last.length < streak) {
      parts.push(
        listFull
          ? {
              state: "unknown",
              reason: `only ${last.length} of the latest ${runs.length} ${label} runs on ${branch} completed, too few to see a streak of ${streak}`,
            }
          : {
              state: "fail",
              reason: `only ${plural(last.length, "completed run")} of ${label} on ${branch}; a streak of ${streak} is needed`,
            },
      );
    } else {
      parts.push({ state: "ok" });
      notes.push(streak === 1 ? "the latest run succeeded" : `the last ${streak} runs succeeded`);
    }
  }

  if (p.maxAgeDays !== undefined) {
    const limitDays = p.maxAgeDays;
    const good = completed.find(succeeded);
    if (good) {
      const age = ageMs(good.createdAt, now);
      if (withinDays(age, limitDays)) {
        parts.push({ state: "ok" });
        notes.push(`last succeeded ${describeAge(age)} (limit ${limitDays})`);
      } else {
        parts.push({
          state: "fail",
          reason: `${label} last succeeded on ${branch} ${describeAge(age, limitDays)} (limit ${limitDays})`,
        });
      }
      evidence.push(runLink(label, good, "latest success"));
    } else {
      // An older success could hide beyond a full list, unless even the oldest listed run is too old.
      const oldest = runs[runs.length - 1]!;
      const tooOld = !withinDays(ageMs(oldest.createdAt, now), limitDays);
      parts.push(
        listFull && !tooOld
          ? {
              state: "unknown",
              reason: `none of the latest ${runs.length} ${label} runs on ${branch} succeeded; an older one may have`,
            }
          : {
              state: "fail",
              reason: `no successful ${label} run on ${branch} in the last ${plural(limitDays, "day")}`,
            },
      );
    }
  }

  const newest = completed[0]!;
  parts.push(...jobParts(p, [newest], `in the latest ${label} run on ${branch}`));
  if (!evidence.some((e) => e.url === newest.url && newest.url))
    evidence.unshift(runLink(label, newest, `latest, ${newest.conclusion ?? "no conclusion"}`));
  const jobsNote = p.jobs ? `; jobs ${joinAnd(p.jobs)} succeeded` : "";
  return outcome(
    parts,
    `${label} on ${branch}: ${notes.join(", ")}${jobsNote}`,
    evidence,
    `Fix ${label} on ${branch} and run it again`,
  );
}

export const workflowKind = defineKind({
  name: "workflow",
  description:
    "A GitHub Actions workflow succeeded: on the evaluated commit, or (with branch) in its latest runs on a branch, no older than maxAgeDays and with a streak of consecutive successes; optionally named jobs must have succeeded.",
  schema,
  appliesTo: ALL_CONTEXTS,
  // Runs on a named branch execute that branch's own workflow file, which the evaluated change cannot touch.
  needs: (p): Need[] => (p.branch !== undefined ? [runsNeed(p)] : [runsNeed(p), CHANGES]),
  evaluate: (p, { facts, target, now }) => {
    const runs = facts.get(runsNeed(p));
    if (runs.state === "unknown")
      return unknownResult(`runs of ${labelOf(p)} could not be read: ${runs.reason}`);
    return p.branch !== undefined
      ? onBranch(p, p.branch, runs.value, now)
      : onCommit(p, runs.value, target.sha, facts.get(CHANGES));
  },
});
