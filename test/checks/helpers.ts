// A small in-memory world that answers needs the way a provider would, so check tests read as
// "given this repository, the check says...". Anything the world leaves out is absent, not unknown;
// `unknown` makes every need of a type unknown with the given reason.
import type { CheckKind, KindResult } from "../../src/checks/types.js";
import { ledgerView } from "../../src/commands/ledger.js";
import { collectNeeds, evaluatePolicy } from "../../src/engine/evaluate.js";
import type { Report } from "../../src/engine/types.js";
import { type FileEntry, FileIndex } from "../../src/evidence/file-index.js";
import {
  type Alert,
  type BranchRules,
  type CheckRunSummary,
  type CommitStatus,
  type Fact,
  Facts,
  known,
  type Ledger,
  type Need,
  type NeedType,
  needKey,
  type PullRequestFacts,
  type Release,
  type Target,
  unknown,
  type WorkflowRun,
} from "../../src/evidence/types.js";
import { type PolicyInput, policySchema } from "../../src/policy/schema.js";
import { type LedgerInput, ledgerFrom } from "../support/ledger.js";

export const NOW = new Date("2025-06-01T12:00:00Z");
export const SHA = "abc1234def567890abc1234def567890abc12345";
const DAY = 86_400_000;

/** ISO time `days` (fractions allowed) before NOW. */
export const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString();

const repository = {
  owner: "acme",
  name: "shop",
  defaultBranch: "main",
  htmlUrl: "https://github.com/acme/shop",
};

export const prTarget: Target = {
  context: "pull_request",
  repository,
  sha: SHA,
  ref: "feature/login",
  pullRequest: { number: 42, baseRef: "main", headRef: "feature/login", headSha: SHA, labels: [] },
};
export const releaseTarget: Target = {
  context: "release",
  repository,
  sha: SHA,
  ref: "v1.2.0",
  release: { tag: "v1.2.0" },
};
export const localTarget: Target = { context: "local", sha: SHA };

export interface WorldArtifact {
  /** Workflow file or name, as a check would write it. */
  workflow: string;
  name: string;
  branch?: string;
  runId?: number;
  runUrl?: string;
  /** Files inside the artifact, by name. */
  files?: Record<string, string>;
}

export interface World {
  files?: Array<string | FileEntry>;
  truncated?: boolean;
  content?: Record<string, string>;
  /** ISO date of the last commit touching each path. */
  lastChanged?: Record<string, string>;
  runs?: WorkflowRun[];
  checkRuns?: CheckRunSummary[];
  statuses?: CommitStatus[];
  artifacts?: WorldArtifact[];
  /** Workflow files the evaluated commit changed against its base (the workflowChanges need). */
  changedWorkflows?: string[];
  release?: Release | null;
  branchRules?: BranchRules[];
  alerts?: Alert[];
  pullRequest?: PullRequestFacts | null;
  ledger?: Ledger;
  /** Files as they stand on the trusted reference (the reviewedContent need). */
  reviewed?: Record<string, string>;
  /** Members of teams (`org/team`), for the teamMembers need; a team not listed has none. */
  teams?: Record<string, string[]>;
  unknown?: Partial<Record<NeedType, string>>;
  /** Finer than `unknown`: the reason one particular need could not be answered, if any. */
  unknownWhen?: (need: Need) => string | undefined;
}

let nextRunId = 1000;

/** A completed, successful CI run on the evaluated commit unless told otherwise. */
export function run(over: Partial<WorkflowRun> = {}): WorkflowRun {
  const id = over.id ?? nextRunId++;
  return {
    id,
    name: "CI",
    path: ".github/workflows/ci.yml",
    headSha: SHA,
    branch: "feature/login",
    event: "pull_request",
    status: "completed",
    conclusion: "success",
    createdAt: daysAgo(0.1),
    url: `https://github.com/acme/shop/actions/runs/${id}`,
    ...over,
  };
}

/** A ledger holding the App's records of `commands` (see test/support/ledger.ts). */
export const emptyLedger = (over: LedgerInput = {}): Ledger => ledgerFrom({ pullRequests: [42], ...over });

function indexOf(world: World): FileIndex {
  const entries = (world.files ?? []).map((f) => (typeof f === "string" ? { path: f } : f));
  return new FileIndex(entries, world.truncated ?? false);
}

/** What a provider would answer for one need, given the world. */
export function answer(need: Need, world: World, target: Target): Fact<unknown> {
  const reason = world.unknown?.[need.type] ?? world.unknownWhen?.(need);
  if (reason !== undefined) return unknown(reason);
  switch (need.type) {
    case "files":
      return known(indexOf(world));
    case "content":
      return known(world.content?.[need.path] ?? null);
    case "lastChanged": {
      const at = world.lastChanged?.[need.path];
      return known(at ? new Date(at) : null);
    }
    case "workflowRuns": {
      const { file, name } = need.workflow;
      const runs = (world.runs ?? [])
        .filter((r) => (file ? r.path === file || r.path.endsWith(`/${file}`) : r.name === name))
        .filter((r) => (need.branch !== undefined ? r.branch === need.branch : r.headSha === target.sha))
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
        .slice(0, need.limit ?? 100)
        .map((r) => {
          if (need.jobs) return r;
          const { jobs: _jobs, ...rest } = r;
          return rest;
        });
      return known(runs);
    }
    case "checkRuns":
      return known(world.checkRuns ?? []);
    case "statuses":
      return known(world.statuses ?? []);
    case "artifactFile": {
      const wanted = need.workflow.file ?? need.workflow.name;
      const a = (world.artifacts ?? []).find(
        (x) => x.workflow === wanted && x.name === need.artifact && x.branch === need.branch,
      );
      if (!a) return known(null);
      return known({
        runId: a.runId ?? 77,
        runPath: a.workflow.endsWith(".yml") ? `.github/workflows/${a.workflow}` : ".github/workflows/ci.yml",
        runUrl: a.runUrl ?? `https://github.com/acme/shop/actions/runs/${a.runId ?? 77}`,
        artifact: a.name,
        content: need.file === "" ? null : (a.files?.[need.file] ?? null),
      });
    }
    case "workflowChanges":
      return known({
        base: target.context === "local" ? null : (target.pullRequest?.baseRef ?? "main"),
        changed: world.changedWorkflows ?? [],
      });
    case "release":
      return known(world.release ?? null);
    case "branchRules":
      return known(
        world.branchRules?.find((b) => b.branch === need.branch) ?? {
          branch: need.branch,
          requiredChecks: [],
          requiredReviews: 0,
        },
      );
    case "alerts":
      return known((world.alerts ?? []).filter((a) => a.source === need.source));
    case "pullRequest":
      return known(world.pullRequest ?? null);
    case "ledger":
      return known(world.ledger ?? emptyLedger());
    case "reviewedContent":
      return known({
        content: world.reviewed?.[need.path] ?? null,
        from: target.context === "local" ? "the checkout" : (target.pullRequest?.baseRef ?? "main"),
      });
    case "teamMembers":
      return known((world.teams?.[need.team] ?? []).map((m) => m.toLowerCase()));
  }
}

/** Answers needs in the two rounds runEvaluation makes: first without the file index, then with it. */
function gather(needsFor: (files: FileIndex | null) => Need[], world: World, target: Target) {
  const answers = new Map<string, Fact<unknown>>();
  const asked: Need[] = [];
  const ask = (needs: Need[]) => {
    for (const n of needs) {
      if (answers.has(needKey(n))) continue;
      asked.push(n);
      answers.set(needKey(n), answer(n, world, target));
    }
  };
  ask(needsFor(null));
  const files = answers.get(needKey({ type: "files" }));
  if (files?.state === "ok") ask(needsFor(files.value as FileIndex));
  return { facts: new Facts(answers), asked };
}

export interface CheckOptions {
  target?: Target;
  now?: Date;
  checkId?: string;
}

/** Parses params with the kind's schema (so defaults apply), then collects and evaluates like the engine. */
export function check<P>(
  kind: CheckKind<P>,
  params: unknown,
  world: World = {},
  { target = prTarget, now = NOW, checkId = "the-check" }: CheckOptions = {},
): KindResult & { asked: Need[] } {
  const p = kind.schema.parse(params);
  const { facts, asked } = gather((files) => kind.needs(p, { target, files }), world, target);
  const ledger =
    target.context === "local"
      ? undefined
      : (answer({ type: "ledger", teams: [] }, world, target) as Fact<Ledger>);
  const view = ledger?.state === "ok" ? known(ledgerView(ledger.value)) : ledger;
  const result = kind.evaluate(p, { checkId, target, facts, now, ...(view ? { ledger: view } : {}) });
  return { ...result, asked };
}

/** A whole policy through the engine, with evidence from the world. */
export function evaluateWorld(input: PolicyInput, world: World, target: Target, now = NOW): Report {
  const policy = policySchema().parse(input);
  const { facts } = gather((files) => collectNeeds(policy, target, files), world, target);
  return evaluatePolicy(policy, facts, { target, now });
}
