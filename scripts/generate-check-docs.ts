// Writes docs/checks.md, the check reference: `npm run docs` (`-- --check` only compares).
//
// What comes from the code: the kinds and their order (registry.ts), descriptions, contexts, the parameter
// tables (each kind's zod schema as JSON Schema), the "skipped" lines (the engine's skipReason), the local
// "only known to GitHub" reasons (the local provider) and every summary line, which is what the kind's own
// evaluate() prints for the situation described. What is written here by hand: the prose of each kind, the
// evidence table and the situations. test/docs/checks-doc.test.ts keeps the two together.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { type KindName, kindNames, kindOf, kinds } from "../src/checks/registry.js";
import { ALL_CONTEXTS, type CheckStatus, type KindResult } from "../src/checks/types.js";
import { skipReason } from "../src/engine/evaluate.js";
import { FileIndex } from "../src/evidence/file-index.js";
import { PERMISSIONS } from "../src/evidence/github/failure.js";
import { githubOnlyReason } from "../src/evidence/local/provider.js";
import {
  type Alert,
  type ContextKind,
  type Fact,
  Facts,
  known,
  type LedgerView,
  type Need,
  type NeedType,
  needKey,
  type Target,
  unknown,
  type WorkflowRun,
} from "../src/evidence/types.js";
import { PRESET_NAMES, presetText } from "../src/policy/presets/index.js";
import type { CheckDef } from "../src/policy/schema.js";

export const DOC_PATH = fileURLToPath(new URL("../docs/checks.md", import.meta.url));

// ---------------------------------------------------------------- quotes from the source

/** Text copied by hand from a source file; the docs test checks the file still says it. */
export interface Quote {
  file: string;
  text: string;
}
export const QUOTES: Quote[] = [];
function quote(file: string, text: string): string {
  QUOTES.push({ file, text });
  return text;
}

// ---------------------------------------------------------------- the world the situations happen in

const NOW = new Date("2025-06-01T12:00:00Z");
const DAY_MS = 86_400_000;
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY_MS).toISOString();
const SHA = "3f2a9c1e7b4d6a8f0c2e4b6d8a0f1c3e5b7d9a2c";
const repository = {
  owner: "acme",
  name: "shop",
  defaultBranch: "main",
  htmlUrl: "https://github.com/acme/shop",
};
const PR: Target = {
  context: "pull_request",
  repository,
  sha: SHA,
  ref: "release/1.4",
  pullRequest: { number: 42, baseRef: "main", headRef: "release/1.4", headSha: SHA, labels: ["release"] },
};
const RELEASE: Target = {
  context: "release",
  repository,
  sha: SHA,
  ref: "v1.4.0",
  release: { tag: "v1.4.0" },
};
/** What `readiness check` evaluates in a checkout: no repository, commit and branch from git. */
const LOCAL: Target = { context: "local", sha: SHA, ref: "main" };

// Seed 002's coverage goals as one artifact check with a table of targets.
const COVERAGE_TABLE = {
  workflow: "ci.yml",
  name: "coverage",
  json: {
    file: "coverage.json",
    assert: [
      { path: "overall", atLeast: 80, label: "overall" },
      { path: "critical", atLeast: 90, label: "critical paths" },
      { path: "services", atLeast: 85, label: "services" },
      { path: "models", atLeast: 95, label: "models" },
    ],
  },
};

/** Evidence a local checkout has; everything else the local provider answers as only known to GitHub. */
const LOCAL_EVIDENCE: readonly NeedType[] = ["files", "content", "lastChanged", "reviewedContent"];

function wfRun(over: Partial<WorkflowRun> = {}): WorkflowRun {
  return {
    id: 7001,
    name: "CI",
    path: ".github/workflows/ci.yml",
    headSha: SHA,
    branch: "release/1.4",
    event: "pull_request",
    status: "completed",
    conclusion: "success",
    createdAt: daysAgo(0.1),
    url: "https://github.com/acme/shop/actions/runs/7001",
    ...over,
  };
}

const alert = (
  source: Alert["source"],
  number: number,
  severity: Alert["severity"],
  summary: string,
): Alert => ({
  source,
  number,
  severity,
  summary,
});

// ---------------------------------------------------------------- prose

export interface Permission {
  key: string;
  label: string;
}

const P = PERMISSIONS;
const ORG_MEMBERS: Permission = { key: "members", label: "Organization members: read" };

/** One kind of evidence: where it comes from locally and on GitHub. */
interface EvidenceDoc {
  what: string;
  local: string;
  github: string;
  permissions: Permission[];
}

const GITHUB_ONLY = "unknown — only GitHub has it";

const EVIDENCE: Record<NeedType, EvidenceDoc> = {
  files: {
    what: "the file list",
    local:
      "`git ls-files`: tracked files plus untracked ones git does not ignore, without files deleted in the working tree; a plain directory walk when the directory is not a git checkout",
    github: "the commit's tree, with file sizes (one request)",
    permissions: [P.contents],
  },
  content: {
    what: "file contents",
    local: "read from disk, at most the first 1 MiB",
    github:
      "the blob of each file read (only for `contains`, or `minBytes` when the size is not listed): up to 1 MiB of them as GraphQL `Blob.text` fields in the round's one query, more from one repository archive",
    permissions: [P.contents],
  },
  lastChanged: {
    what: "when a file last changed",
    local:
      "git history: the committer date of the last commit touching the path (a rebase or an amend dates commits anew, so it makes files look freshly changed); an edit not yet committed does not count; a file never committed has no age; a shallow clone that does not reach the change is unknown",
    github:
      "the committer date of the last commit touching the path, as on the checkout: per freshness limit one window of commits (two requests) settles every path, else one GraphQL `history(path:, first: 1)` field per path, all of a round in one query, at most 40 per evaluation (beyond: unknown); the App reuses the answers for the previous commit it evaluated where a path did not change since",
    permissions: [P.contents],
  },
  workflowRuns: {
    what: "workflow runs",
    local: GITHUB_ONLY,
    github:
      "one listing of every run of the evaluated commit, shared by all workflow and artifact checks; with `branch`, the latest runs of that workflow on the branch (10, or `streak` when larger); with `jobs`, the jobs of the newest run and of the newest completed one",
    permissions: [P.actions],
  },
  checkRuns: {
    what: "check runs",
    local: GITHUB_ONLY,
    github: "the check runs of the evaluated commit",
    permissions: [P.checks],
  },
  statuses: {
    what: "commit statuses",
    local: GITHUB_ONLY,
    github: "the commit statuses of the evaluated commit",
    permissions: [P.statuses],
  },
  artifactFile: {
    what: "a workflow artifact",
    local: GITHUB_ONLY,
    github:
      "the artifact of the latest successful run of the workflow (on the commit, or on `branch`); with `json`, the artifact is downloaded (at most 10 MiB, not when expired) and the one file read",
    permissions: [P.actions],
  },
  workflowChanges: {
    what: "workflow files the change rewrote",
    local:
      "`git diff` of `.github/workflows/` against the pull request's base branch (origin's first); without a pull request nothing counts as changed",
    github:
      "the blob of each workflow file at the commit (from the tree) against the base branch's (pull requests) or the default branch's (releases, deployments: a commit already on the default branch counts as unchanged): one directory listing, a 304 while the base's workflows stay the same",
    permissions: [P.contents],
  },
  release: {
    what: "the release",
    local: GITHUB_ONLY,
    github:
      "a release event: that release. A deployment: the release tagged with the deployed ref, else one of the newest 30 releases made from the commit, else a release of a tag (first 100 tags) pointing at the commit",
    permissions: [P.contents],
  },
  branchRules: {
    what: "branch rules",
    local: GITHUB_ONLY,
    github:
      "the branch's active rulesets, plus the required status checks of classic branch protection as the branch itself shows them. Classic protection's required review count needs Administration: read, which the app does not ask for: reviews count from rulesets only",
    permissions: [P.metadata],
  },
  alerts: {
    what: "open security alerts",
    local: GITHUB_ONLY,
    github:
      "open alerts of each source, up to 300 each. A scanner that is disabled or has never run is unknown, never zero alerts",
    permissions: [P.dependabot, P.codeScanning, P.secretScanning],
  },
  pullRequest: {
    what: "the pull request",
    local: GITHUB_ONLY,
    github:
      "labels as the event that started the evaluation carries them; changed files from the pull request's file list (GitHub lists at most 3000)",
    permissions: [P.pullRequests],
  },
  ledger: {
    what: "sign-offs in pull request comments",
    local: GITHUB_ONLY,
    github:
      "the App's records of the slash commands it accepted, in the comments of the pull request (of a release or deployment: of the pull requests that brought the commit in, at most the 10 latest), whether each command's comment is still unedited, each signer's role and membership of the teams the policy names (without Organization members: read, membership counts as none). Collected once for the whole policy",
    permissions: [P.pullRequests, ORG_MEMBERS],
  },
  teamMembers: {
    what: "who belongs to a team an attestation's `by:` names",
    local: GITHUB_ONLY,
    github:
      "the team's members as GitHub lists them (members of child teams included, pending invitations not): one request per 100 members, at most 1,000; a larger team, a missing team or a missing permission leaves membership unknown",
    permissions: [ORG_MEMBERS],
  },
  reviewedContent: {
    what: "a file where the change cannot have written it",
    local: "the file in the working tree: a checkout is what it is",
    github:
      "the file on the pull request's base branch (a pull request's own copy counts once merged); for a release or deployment, on the default branch: one contents request per file, a 304 while it stays the same",
    permissions: [P.contents],
  },
};

/** A rule zod checks beyond single fields (a refinement): the docs say it, the test proves it is real. */
export interface Rule {
  text: string;
  /** The error the policy loader reports, verbatim. */
  message: string;
  /** Parameters that break the rule. */
  invalid: unknown;
}

/** One situation and what the kind reports for it. */
export interface Situation {
  when: string;
  params: unknown;
  /** Default: a pull request. */
  target?: Target;
  answer?: (need: Need) => Fact<unknown> | undefined;
  ledger?: Fact<LedgerView>;
  /** The status the situation is meant to show; the generator refuses to write a doc that says otherwise. */
  expect: CheckStatus;
  /** Show the result's detail lines under the summary. */
  details?: boolean;
}

export interface KindDoc {
  /** The evidence the kind reads, in the order the table shows it. */
  evidence: NeedType[];
  /** Prose after the evidence table. */
  evidenceNote?: string;
  /** Prose under the parameter table. */
  parameterNotes?: string[];
  rules?: Rule[];
  /** Meanings for parameters whose schema has no `.describe()`; the schema's own wins, and must. */
  fallbackMeaning?: Record<string, string>;
  scoring: string[];
  situations: Situation[];
  example: string;
}

const onlyGitHub = (need: Need): Fact<unknown> | undefined =>
  LOCAL_EVIDENCE.includes(need.type) ? undefined : unknown(githubOnlyReason(need));

export const KIND_DOCS: Record<KindName, KindDoc> = {
  file: {
    evidence: ["files", "content", "lastChanged"],
    evidenceNote:
      "Only what the parameters ask for is read: the file list always, contents for `contains` (and for `minBytes` when the list has no sizes, as locally), history for `maxAgeDays`. Locally the working tree is checked, uncommitted changes included; on GitHub, the evaluated commit.",
    parameterNotes: [
      "Each entry of `path` is a path or a glob (`{.github/,,docs/}CODEOWNERS` (the places GitHub reads it), `docs/slo.{md,yaml}`); globs see dot-directories such as `.github`. An entry is satisfied when one matching file meets every condition given.",
      "With `maxAgeDays`, the age of every file a glob matches is asked (one pass over git history locally, freshness windows on GitHub): the newest file decides, and the summary names it, passing or failing.",
      "Of the files a glob matches, those whose contents must be read (`contains`, `notContains`, or `minBytes` without listed sizes) are read up to a budget: 5,000 in a checkout, 50 on GitHub (a request each, or one repository archive); past it the summary says `(read only the first N of M files matching …)`, and when none of those qualifies the check is **unknown** (an unread file may qualify), never a failure.",
      "When no file matching a glob qualifies, the summary says what was looked for and in how many files (`/pattern/ found in 2 of them`), and names the file nearest to passing: the one missing the fewest conditions, preferring one where the pattern was found, then the newest. Its fix is the hint; with only a pattern, the hint names the glob, not a file.",
      "`contains` is an RE2 regular expression (no lookaround, no backreferences), so matching is linear in the file's size; `(?i)` makes it case-insensitive. An invalid pattern is reported when the policy is loaded, and fails the check.",
      "`every: true`: each file an entry matches must meet the conditions, not just one; the summary names the files that do not. No matching file fails (`no file matches …`) unless `allowNone: true`.",
      "`notContains`: no file an entry matches may contain the pattern (RE2, as `contains`); a failure names each file and the line of its first match (`deploy/profiles/prod.env:3 contains /…/`). It holds for every matching file whether or not `every` is set; with `contains` beside it, one file must contain the one and none the other. No matching file fails unless `allowNone: true`.",
      "`absent: true`: the entry must match no file at all; a failure names the files that do. It takes no other condition.",
      "Bounds never give a false pass: with `every` or `notContains`, when more than 50 matching files would have to be read, when a file is larger than the 1 MiB read of it and the pattern is not in that part, or when the file list was truncated, the check is **unknown** with that reason, unless a file read fails it definitely.",
    ],
    scoring: [
      "One part per `path` entry; credit = share of entries satisfied, so a list gives partial credit. With `every`, `notContains` or `absent` an entry is satisfied only when all its files are.",
      "A definite failure of any entry makes the check **fail**, even when other entries are unknown; otherwise anything that could not be read (a file's contents, its history, or the existence of a path when the file list was truncated) makes it **unknown** with credit 0.",
      "Never pending.",
    ],
    situations: [
      {
        when: "The runbook exists, is large enough, mentions rollback and changed 3 days ago",
        params: { path: "docs/runbook.md", minBytes: 500, contains: "(?i)## rollback", maxAgeDays: 30 },
        answer: (n) =>
          n.type === "files"
            ? known(new FileIndex([{ path: "docs/runbook.md", size: 2048 }]))
            : n.type === "content"
              ? known("# Runbook\n\n## Rollback\n\nRun `make rollback`.\n")
              : n.type === "lastChanged"
                ? known(new Date(daysAgo(3)))
                : undefined,
        expect: "pass",
      },
      {
        when: "The runbook last changed 45 days ago",
        params: { path: "docs/runbook.md", maxAgeDays: 30 },
        answer: (n) =>
          n.type === "files"
            ? known(new FileIndex([{ path: "docs/runbook.md", size: 2048 }]))
            : n.type === "lastChanged"
              ? known(new Date(daysAgo(45)))
              : undefined,
        expect: "fail",
      },
      {
        when: "Locally, the runbook was created but never committed",
        params: { path: "docs/runbook.md", maxAgeDays: 30 },
        target: LOCAL,
        answer: (n) =>
          n.type === "files"
            ? known(new FileIndex([{ path: "docs/runbook.md" }]))
            : n.type === "lastChanged"
              ? known(null)
              : undefined,
        expect: "fail",
      },
      {
        when: "Locally, outside a git checkout",
        params: { path: "docs/runbook.md", maxAgeDays: 30 },
        target: LOCAL,
        answer: (n) =>
          n.type === "files"
            ? known(new FileIndex([{ path: "docs/runbook.md" }]))
            : n.type === "lastChanged"
              ? unknown(
                  quote("src/evidence/local/provider.ts", "freshness needs git history: not a git checkout"),
                )
              : undefined,
        expect: "unknown",
      },
      {
        when: "Every deployment profile must be strict, and one says AUTH_POLICY=dev",
        params: {
          path: "deploy/profiles/*.env",
          every: true,
          contains: "^AUTH_POLICY=strict$",
          notContains: "^AUTH_POLICY=dev$",
        },
        answer: (n) =>
          n.type === "files"
            ? known(
                new FileIndex([
                  { path: "deploy/profiles/prod.env" },
                  { path: "deploy/profiles/staging.env" },
                ]),
              )
            : n.type === "content"
              ? known(n.path.endsWith("prod.env") ? "REGION=eu\nAUTH_POLICY=dev\n" : "AUTH_POLICY=strict\n")
              : undefined,
        expect: "fail",
      },
      {
        when: "No private key may be committed, and none is",
        params: { path: "**/*.pem", absent: true },
        answer: (n) => (n.type === "files" ? known(new FileIndex([{ path: "README.md" }])) : undefined),
        expect: "pass",
      },
      {
        when: "Two entries, both satisfied",
        params: { path: ["{.github/,,docs/}CODEOWNERS", "docs/slo.{md,yaml}"] },
        answer: (n) =>
          n.type === "files"
            ? known(new FileIndex([{ path: ".github/CODEOWNERS" }, { path: "docs/slo.yaml" }]))
            : undefined,
        expect: "pass",
      },
      {
        when: "Two entries, one of them missing",
        params: { path: ["{.github/,,docs/}CODEOWNERS", "docs/slo.{md,yaml}"] },
        answer: (n) =>
          n.type === "files" ? known(new FileIndex([{ path: ".github/CODEOWNERS" }])) : undefined,
        expect: "fail",
      },
      {
        when: "A glob with `maxAgeDays`: the newest matching file changed 103 days ago",
        params: { path: "docs/**/*.md", maxAgeDays: 90 },
        answer: (n) =>
          n.type === "files"
            ? known(new FileIndex([{ path: "docs/a.md" }, { path: "docs/b.md" }, { path: "docs/z/c.md" }]))
            : n.type === "lastChanged"
              ? known(new Date(daysAgo(n.path === "docs/z/c.md" ? 103 : 1360)))
              : undefined,
        expect: "fail",
      },
      {
        when: "A glob with `contains` and `minBytes`: only a too-small file has the pattern",
        params: { path: "docs/adr/*.md", contains: "Status: accepted", minBytes: 200 },
        answer: (n) =>
          n.type === "files"
            ? known(
                new FileIndex([
                  { path: "docs/adr/001.md", size: 900 },
                  { path: "docs/adr/002.md", size: 40 },
                ]),
              )
            : n.type === "content"
              ? known(n.path === "docs/adr/002.md" ? "# Two\nStatus: accepted\n" : "# One\nStatus: draft\n")
              : undefined,
        expect: "fail",
      },
      {
        when: "A file smaller than `minBytes`",
        params: { path: "SECURITY.md", minBytes: 200 },
        answer: (n) =>
          n.type === "files" ? known(new FileIndex([{ path: "SECURITY.md", size: 12 }])) : undefined,
        expect: "fail",
      },
    ],
    example: `checks:
  runbook-fresh:
    title: Runbook reviewed in the last 30 days
    required: true
    fix: Review docs/runbook.md with the on-call team and commit the changes.
    file: { path: docs/runbook.md, maxAgeDays: 30, minBytes: 500, contains: "(?i)## rollback" }
  ownership:
    file: { path: ["{.github/,,docs/}CODEOWNERS", "docs/slo.{md,yaml}"] }`,
  },

  workflow: {
    evidence: ["workflowRuns", "workflowChanges"],
    evidenceNote:
      "Runs of the evaluated commit count only when their workflow file is the same as on the trusted branch: the base branch of a pull request, the default branch for a release or deployment (a commit already on the default branch counts whatever its files). A `pull_request` run executes the pull request's own copy of the file, so a copy rewritten to `exit 0` would otherwise pass its own gate. Runs of a changed file are set aside; when they were all there is, the check **fails** saying why (merge the workflow change on its own first, or have a maintainer waive the check). Runs on a named `branch` execute that branch's file and are not compared. See docs/security.md, section 4.",
    parameterNotes: [
      "`name` matches the workflow's `name:`; `file` matches the workflow file by name (`ci.yml`) or, when it contains a `/`, by path. Given both, a run must match both.",
      "`jobs` entries match a job by its name, and also its matrix instances (`test (ubuntu, 20)`) and the jobs of a reusable workflow it calls (`deploy / push`); every instance must succeed.",
      "Without `branch`, the check looks at runs of the evaluated commit; with `branch`, at the latest runs on that branch, whatever their commit (scheduled drills, nightly builds).",
    ],
    rules: [
      {
        text: "`name` or `file` is required.",
        message: "a workflow check needs a name or a file",
        invalid: { jobs: ["test"] },
      },
    ],
    scoring: [
      "On the commit: when the workflow ran for several events (say `push` and `pull_request`), the latest run of each event is one part; each of `jobs` is one more. Credit = share of parts that succeeded.",
      "On a branch: the streak (the last `streak` completed runs all succeeded; without `streak`, the latest run must have succeeded, unless `maxAgeDays` is given) and the age (`maxAgeDays`: the latest successful run is recent enough) are one part each, plus `jobs` judged on the newest completed run.",
      "A run or job still going makes the check **pending** when nothing failed; a failed part makes it **fail**. No run at all fails; on a branch whose only runs are still going, it is pending.",
      "**unknown** when the runs could not be read, and on a branch when the runs listed cannot settle it (a streak longer than the completed runs shown, or no success among a full list that an older success may follow).",
    ],
    situations: [
      {
        when: "CI succeeded on the commit, with every matrix instance of `test`",
        params: { name: "CI", jobs: ["test"] },
        answer: (n) =>
          n.type === "workflowRuns"
            ? known([
                wfRun({
                  jobs: [
                    { name: "lint", status: "completed", conclusion: "success" },
                    { name: "test (ubuntu, 20)", status: "completed", conclusion: "success" },
                    { name: "test (ubuntu, 22)", status: "completed", conclusion: "success" },
                  ],
                }),
              ])
            : undefined,
        expect: "pass",
      },
      {
        when: "The pull request rewrote `ci.yml` (to `exit 0`), and its run of it succeeded",
        params: { file: "ci.yml" },
        answer: (n) =>
          n.type === "workflowRuns"
            ? known([wfRun()])
            : n.type === "workflowChanges"
              ? known({ base: "main", changed: [".github/workflows/ci.yml"] })
              : undefined,
        expect: "fail",
      },
      {
        when: "CI is still running",
        params: { name: "CI" },
        answer: (n) =>
          n.type === "workflowRuns" ? known([wfRun({ status: "in_progress", conclusion: null })]) : undefined,
        expect: "pending",
      },
      {
        when: "The run succeeded but one matrix instance of `test` failed",
        params: { name: "CI", jobs: ["test"] },
        answer: (n) =>
          n.type === "workflowRuns"
            ? known([
                wfRun({
                  jobs: [
                    { name: "test (ubuntu, 20)", status: "completed", conclusion: "success" },
                    { name: "test (ubuntu, 22)", status: "completed", conclusion: "failure" },
                  ],
                }),
              ])
            : undefined,
        expect: "fail",
      },
      {
        when: "The run timed out",
        params: { name: "CI" },
        answer: (n) => (n.type === "workflowRuns" ? known([wfRun({ conclusion: "timed_out" })]) : undefined),
        expect: "fail",
      },
      {
        when: "CI never ran on the commit",
        params: { name: "CI" },
        answer: (n) => (n.type === "workflowRuns" ? known([]) : undefined),
        expect: "fail",
      },
      {
        when: "A nightly drill on `main`: the last 3 runs succeeded, the latest yesterday",
        params: { file: "drill.yml", branch: "main", maxAgeDays: 2, streak: 3 },
        answer: (n) =>
          n.type === "workflowRuns"
            ? known(
                [1.2, 2.2, 3.2].map((d, i) =>
                  wfRun({
                    id: 9000 - i,
                    name: "Restore drill",
                    path: ".github/workflows/drill.yml",
                    headSha: `${i}`.repeat(40),
                    branch: "main",
                    event: "schedule",
                    createdAt: daysAgo(d),
                    url: `https://github.com/acme/shop/actions/runs/${9000 - i}`,
                  }),
                ),
              )
            : undefined,
        expect: "pass",
      },
      {
        when: "The same drill, one of the last 3 runs failed",
        params: { file: "drill.yml", branch: "main", maxAgeDays: 2, streak: 3 },
        answer: (n) =>
          n.type === "workflowRuns"
            ? known(
                [1.2, 2.2, 3.2].map((d, i) =>
                  wfRun({
                    id: 9000 - i,
                    name: "Restore drill",
                    path: ".github/workflows/drill.yml",
                    headSha: `${i}`.repeat(40),
                    branch: "main",
                    event: "schedule",
                    conclusion: i === 1 ? "failure" : "success",
                    createdAt: daysAgo(d),
                    url: `https://github.com/acme/shop/actions/runs/${9000 - i}`,
                  }),
                ),
              )
            : undefined,
        expect: "fail",
      },
      { when: "Locally", params: { name: "CI" }, target: LOCAL, answer: onlyGitHub, expect: "unknown" },
    ],
    example: `checks:
  ci-green:
    required: true
    workflow: { name: CI, jobs: [test] }
  restore-drill:
    title: Restore drill passed 3 times in a row, the latest within 2 days
    workflow: { file: drill.yml, branch: main, maxAgeDays: 2, streak: 3 }`,
  },

  status: {
    evidence: ["checkRuns", "statuses"],
    evidenceNote:
      "For CI outside GitHub Actions (Buildkite, Jenkins, CircleCI...) that reports to the commit as a check run or a commit status. Anyone with write access can post a commit status with any context, and any GitHub App a check run with any name: pin the source with `app` (check runs) or `creator` (statuses). Unpinned, a pass says so in its summary.",
    parameterNotes: [
      "`app` pins check runs to the GitHub App with that slug; `creator` pins commit statuses to the account (login) that posted them (`my-app[bot]` for an App's statuses). With a pin, only reports from that source count (check runs only with `app`, statuses only with `creator`); the others are ignored and the details say so. Logins and slugs compare case-insensitively. A pinned `creator` reads the full list of statuses (newest first, 300 at most), not only the newest per context.",
      "`name` is compared exactly (case-sensitive) with check run names and commit status contexts. Check runs report conclusions (`success`, `neutral`, `skipped`...), commit statuses report states (`success`, `failure`, `error`, `pending`); `conclusions` lists those that count as success.",
    ],
    scoring: [
      "The newest report with that name, check run or commit status, decides: still running (a check run not completed, a status `pending`) is **pending**; a conclusion or state in `conclusions` is **pass**; anything else **fails**. No report at all fails.",
      "When one of the two lists cannot be read, only a pass from the other decides (the unread one might hold a newer report); otherwise **unknown**.",
      "All or nothing: credit 1 or 0.",
    ],
    situations: [
      {
        when: "Buildkite reported success",
        params: { name: "buildkite/pipeline" },
        answer: (n) =>
          n.type === "checkRuns"
            ? known([])
            : n.type === "statuses"
              ? known([
                  {
                    context: "buildkite/pipeline",
                    state: "success",
                    url: "https://buildkite.com/acme/shop/builds/812",
                    updatedAt: daysAgo(0.05),
                  },
                ])
              : undefined,
        expect: "pass",
      },
      {
        when: "Buildkite is still building",
        params: { name: "buildkite/pipeline" },
        answer: (n) =>
          n.type === "checkRuns"
            ? known([])
            : n.type === "statuses"
              ? known([{ context: "buildkite/pipeline", state: "pending", updatedAt: daysAgo(0.01) }])
              : undefined,
        expect: "pending",
      },
      {
        when: "Buildkite reported a failure",
        params: { name: "buildkite/pipeline" },
        answer: (n) =>
          n.type === "checkRuns"
            ? known([])
            : n.type === "statuses"
              ? known([{ context: "buildkite/pipeline", state: "failure", updatedAt: daysAgo(0.01) }])
              : undefined,
        expect: "fail",
      },
      {
        when: "Pinned to the Buildkite app; a writer posted a success status with that name",
        params: { name: "buildkite/pipeline", app: "buildkite" },
        answer: (n) =>
          n.type === "checkRuns"
            ? known([])
            : n.type === "statuses"
              ? known([
                  {
                    context: "buildkite/pipeline",
                    state: "success",
                    creator: "mallory",
                    updatedAt: daysAgo(0.01),
                  },
                ])
              : undefined,
        expect: "fail",
      },
      {
        when: "Nothing by that name reported on the commit",
        params: { name: "buildkite/pipeline" },
        answer: (n) => (n.type === "checkRuns" || n.type === "statuses" ? known([]) : undefined),
        expect: "fail",
      },
      {
        when: "Locally",
        params: { name: "buildkite/pipeline" },
        target: LOCAL,
        answer: onlyGitHub,
        expect: "unknown",
      },
    ],
    example: `checks:
  external-ci:
    required: true
    status: { name: buildkite/pipeline, creator: "buildkite[bot]" }
  sonar:
    status: { name: SonarCloud Code Analysis, app: sonarcloud, conclusions: [success, neutral] }`,
  },

  artifact: {
    evidence: ["artifactFile", "workflowChanges"],
    evidenceNote:
      "The artifact comes from the newest successful run of the workflow; runs in progress and failed runs do not count. While the workflow is still running and no earlier run of it succeeded, the check fails: it is never pending. Without `branch`, an artifact uploaded by a run of a workflow file the change rewrote (it differs from the base branch's, or for a release or deployment the default branch's) is not evidence: the check **fails** saying why, whatever the file inside says. See the `workflow` check and docs/security.md, section 4.",
    parameterNotes: [
      "`workflow` ending in `.yml` or `.yaml` is a workflow file; anything else is a workflow name.",
      "`json.path` is a dotted path: numeric segments index arrays (`results.0.passed`), others name object keys.",
      "Several comparisons must all hold, so `atLeast` and `below` together make a range. `equals` compares strings, numbers and booleans exactly.",
      "`json.assert` is a table of targets read from the one file: each entry takes `path`, an optional `label` and the same comparisons (`below`, `atMost`, `atLeast`, `above`, `equals`). With `assert`, `path`, `label` and comparisons go inside the entries, not beside `file`.",
    ],
    fallbackMeaning: {
      json: "A comparison on a figure in a JSON file inside the artifact.",
    },
    rules: [
      {
        text: "`json` needs at least one comparison: `below`, `atMost`, `atLeast`, `above` or `equals`.",
        message: "a json assertion needs one of below, atMost, atLeast, above, equals",
        invalid: {
          workflow: "load.yml",
          name: "k6-summary",
          json: { file: "summary.json", path: "metrics.p95_ms" },
        },
      },
      {
        text: "`json` needs `path` (one figure) or `assert` (a list of targets), not both.",
        message: "a json assertion needs path (one figure) or assert (a list of them)",
        invalid: { workflow: "ci.yml", name: "coverage", json: { file: "coverage.json" } },
      },
    ],
    scoring: [
      "One figure (`json.path`): all or nothing, credit 1 or 0. Without `json` the artifact's existence passes; with it, the figure must satisfy every comparison.",
      "A table (`json.assert`): one part per target, each listed in the details as met, missed (actual and target) or not reported; credit = share of targets met, pass only when all are. A target whose path is absent from the file, or `null`, is **not reported**: never met; the check is **unknown** (credit 0) unless another target was definitely missed, which makes it **fail** with the share met.",
      "A file missing from the artifact or invalid JSON **fails** (credit 0, both forms). A figure absent from the file, or `null`, is **not reported** in both forms: with one figure the check is **unknown** (credit 0), never passed. A comparison with a value that is not a number is missed. An artifact that could not be downloaded (expired, over 10 MiB, permission) is **unknown**.",
    ],
    situations: [
      {
        when: "The load test uploaded its summary",
        params: { workflow: "load.yml", name: "k6-summary" },
        answer: (n) =>
          n.type === "artifactFile"
            ? known({
                runId: 7100,
                runUrl: "https://github.com/acme/shop/actions/runs/7100",
                artifact: "k6-summary",
                content: null,
              })
            : undefined,
        expect: "pass",
      },
      {
        when: "p95 latency 212.4 ms, limit 250",
        params: {
          workflow: "load.yml",
          name: "k6-summary",
          json: { file: "summary.json", path: "metrics.p95_ms", below: 250 },
        },
        answer: (n) =>
          n.type === "artifactFile"
            ? known({ runId: 7100, artifact: "k6-summary", content: '{"metrics":{"p95_ms":212.4}}' })
            : undefined,
        expect: "pass",
      },
      {
        when: "p95 latency 287 ms, limit 250",
        params: {
          workflow: "load.yml",
          name: "k6-summary",
          json: { file: "summary.json", path: "metrics.p95_ms", below: 250 },
        },
        answer: (n) =>
          n.type === "artifactFile"
            ? known({ runId: 7100, artifact: "k6-summary", content: '{"metrics":{"p95_ms":287}}' })
            : undefined,
        expect: "fail",
      },
      {
        when: "Coverage must be between 0.8 and 1, the report has no such figure",
        params: {
          workflow: "ci.yml",
          name: "coverage",
          json: { file: "coverage-summary.json", path: "total.lines.pct", atLeast: 0.8, atMost: 1 },
        },
        answer: (n) =>
          n.type === "artifactFile"
            ? known({ runId: 7001, artifact: "coverage", content: '{"total":{"statements":{"pct":0.91}}}' })
            : undefined,
        expect: "unknown",
      },
      {
        when: "Coverage goals 80 / 90 / 85 / 95: overall 84, critical paths 91, services 82, models 97",
        params: COVERAGE_TABLE,
        answer: (n) =>
          n.type === "artifactFile"
            ? known({
                runId: 7001,
                artifact: "coverage",
                content: '{"overall":84,"critical":91,"services":82,"models":97}',
              })
            : undefined,
        expect: "fail",
      },
      {
        when: "The same goals, the report lacks the models figure",
        params: COVERAGE_TABLE,
        answer: (n) =>
          n.type === "artifactFile"
            ? known({
                runId: 7001,
                artifact: "coverage",
                content: '{"overall":84,"critical":91,"services":86}',
              })
            : undefined,
        expect: "unknown",
      },
      {
        when: "No successful run of the workflow has uploaded the artifact",
        params: { workflow: "load.yml", name: "k6-summary" },
        answer: (n) => (n.type === "artifactFile" ? known(null) : undefined),
        expect: "fail",
      },
      {
        when: "Locally",
        params: { workflow: "load.yml", name: "k6-summary" },
        target: LOCAL,
        answer: onlyGitHub,
        expect: "unknown",
      },
    ],
    example: `checks:
  load-slo:
    title: p95 latency under 250 ms
    artifact:
      workflow: load.yml
      name: k6-summary
      json: { file: summary.json, path: metrics.p95_ms, below: 250 }
  coverage-goals:
    title: Coverage 80% overall, 90% critical paths, 85% services, 95% models
    artifact:
      workflow: ci.yml
      name: coverage
      json:
        file: coverage.json
        assert:
          - { path: overall, atLeast: 80, label: overall }
          - { path: critical, atLeast: 90, label: critical paths }
          - { path: services, atLeast: 85, label: services }
          - { path: models, atLeast: 95, label: models }
  restore-drill-record:
    artifact: { workflow: drill.yml, branch: main, name: drill-result, json: { file: result.json, path: restored, equals: true } }`,
  },

  release: {
    evidence: ["release"],
    parameterNotes: [
      "Globs match asset names (`*.sig`, `*.spdx.json`, `*.intoto.jsonl`); each must match at least one asset.",
    ],
    scoring: [
      "One part per glob; credit = share of globs that matched an asset.",
      "No release found for the commit **fails** (credit 0); a release that could not be read is **unknown**.",
    ],
    situations: [
      {
        when: "Signatures, provenance and SBOM attached",
        params: { assets: ["*.sig", "*.intoto.jsonl", "*.spdx.json"] },
        target: RELEASE,
        answer: (n) =>
          n.type === "release"
            ? known({
                tag: "v1.4.0",
                draft: false,
                prerelease: false,
                url: "https://github.com/acme/shop/releases/tag/v1.4.0",
                assets: [
                  "shop-linux-amd64.tar.gz",
                  "shop-linux-amd64.tar.gz.sig",
                  "shop.intoto.jsonl",
                  "shop.spdx.json",
                ].map((name) => ({ name, size: 1024 })),
              })
            : undefined,
        expect: "pass",
      },
      {
        when: "Provenance missing",
        params: { assets: ["*.sig", "*.intoto.jsonl", "*.spdx.json"] },
        target: RELEASE,
        answer: (n) =>
          n.type === "release"
            ? known({
                tag: "v1.4.0",
                draft: false,
                prerelease: false,
                assets: ["shop-linux-amd64.tar.gz", "shop-linux-amd64.tar.gz.sig", "shop.spdx.json"].map(
                  (name) => ({
                    name,
                    size: 1024,
                  }),
                ),
              })
            : undefined,
        expect: "fail",
      },
      {
        when: "A deployment of a commit no release was made from",
        params: { assets: "*.sig" },
        target: { context: "deployment", repository, sha: SHA, deployment: { environment: "production" } },
        answer: (n) => (n.type === "release" ? known(null) : undefined),
        expect: "fail",
      },
      { when: "On a pull request", params: { assets: "*.sig" }, expect: "skipped" },
      { when: "Locally", params: { assets: "*.sig" }, target: LOCAL, expect: "skipped" },
    ],
    example: `checks:
  signed-release:
    required: true
    release: { assets: ["*.sig", "*.intoto.jsonl", "*.spdx.json"] }`,
  },

  branch: {
    evidence: ["branchRules"],
    evidenceNote:
      "The branch is `name`, else the pull request's base branch, else the repository's default branch. A branch that does not exist is unknown.",
    parameterNotes: [
      "Check names in `requiresChecks` are compared exactly, as GitHub compares them when it enforces them; the gate's own check run (`gate.checkName`, default `Production readiness`) is a good one to require.",
    ],
    rules: [
      {
        text: "`requiresChecks` or `minReviews` is required (a branch check with neither would check nothing).",
        message: "a branch check needs requiresChecks or minReviews",
        invalid: { name: "main" },
      },
    ],
    scoring: [
      "One part per entry of `requiresChecks`, one for `minReviews`; credit = share of parts the rules satisfy.",
      "**unknown** when the rules cannot be read, or when no branch is named and the target has neither a pull request nor a known default branch (as locally).",
    ],
    situations: [
      {
        when: "`main` requires the gate and one approving review",
        params: { name: "main", requiresChecks: ["Production readiness"], minReviews: 1 },
        answer: (n) =>
          n.type === "branchRules"
            ? known({
                branch: "main",
                requiredChecks: ["CI / test", "Production readiness"],
                requiredReviews: 1,
              })
            : undefined,
        expect: "pass",
      },
      {
        when: "`main` requires neither",
        params: { name: "main", requiresChecks: ["Production readiness"], minReviews: 1 },
        answer: (n) =>
          n.type === "branchRules"
            ? known({ branch: "main", requiredChecks: ["CI / test"], requiredReviews: 0 })
            : undefined,
        expect: "fail",
      },
      {
        when: "Locally, branch named",
        params: { name: "main", requiresChecks: ["Production readiness"] },
        target: LOCAL,
        answer: onlyGitHub,
        expect: "unknown",
      },
      {
        when: "Locally, no branch named",
        params: { requiresChecks: ["Production readiness"] },
        target: LOCAL,
        answer: onlyGitHub,
        expect: "unknown",
      },
    ],
    example: `checks:
  gate-is-required:
    branch: { name: main, requiresChecks: ["Production readiness"], minReviews: 1 }`,
  },

  alerts: {
    evidence: ["alerts"],
    evidenceNote:
      "Each source needs its own permission: Dependabot alerts `vulnerability_alerts`, code scanning `security_events`, secret scanning `secret_scanning_alerts`. Severities: Dependabot's advisory severity; code scanning's security severity, else the rule's level (error → high, warning → medium, else low); secret-scanning alerts count as critical. More than 300 open alerts of a source without a critical one among them is unknown.",
    parameterNotes: [
      "`maxSeverity: medium` (the default) tolerates open low and medium alerts and fails on high and critical ones; `none` tolerates no open alert at all. Secret-scanning alerts are critical, so any open one fails whatever `maxSeverity` is.",
    ],
    fallbackMeaning: {
      sources: "Where alerts come from: `dependabot`, `code-scanning`, `secret-scanning`.",
    },
    scoring: [
      "One part per source; a source fails when it has an open alert above `maxSeverity`. Credit = share of sources without one.",
      "An offending alert **fails** the check even when another source could not be read; otherwise a source that could not be read makes it **unknown**.",
    ],
    situations: [
      {
        when: "Two medium and one low alert open, nothing above medium",
        params: {},
        answer: (n) =>
          n.type === "alerts"
            ? known(
                n.source === "dependabot"
                  ? [
                      alert("dependabot", 31, "medium", "lodash: Prototype pollution"),
                      alert("dependabot", 33, "low", "debug: ReDoS"),
                    ]
                  : n.source === "code-scanning"
                    ? [alert("code-scanning", 7, "medium", "Missing rate limiting (src/api/login.ts)")]
                    : [],
              )
            : undefined,
        expect: "pass",
      },
      {
        when: "One critical and two high Dependabot alerts",
        params: {},
        answer: (n) =>
          n.type === "alerts"
            ? known(
                n.source === "dependabot"
                  ? [
                      alert("dependabot", 40, "critical", "openssl: Remote code execution"),
                      alert("dependabot", 41, "high", "axios: SSRF"),
                      alert("dependabot", 42, "high", "tar: Arbitrary file write"),
                    ]
                  : [],
              )
            : undefined,
        expect: "fail",
      },
      {
        when: "Dependabot alerts are disabled for the repository",
        params: { sources: ["dependabot"] },
        answer: (n) =>
          n.type === "alerts"
            ? unknown(
                quote(
                  "src/evidence/github/alerts.ts",
                  "Dependabot alerts are disabled for this repository, so there is no evidence that it has none",
                ),
              )
            : undefined,
        expect: "unknown",
      },
      {
        when: "Locally",
        params: { sources: ["dependabot"] },
        target: LOCAL,
        answer: onlyGitHub,
        expect: "unknown",
      },
    ],
    example: `checks:
  no-high-vulns:
    required: true
    alerts: { sources: [dependabot, code-scanning, secret-scanning], maxSeverity: medium }`,
  },

  signoff: {
    evidence: ["ledger"],
    evidenceNote:
      "A person signs off by commenting `/readiness signoff <check-id>` on the pull request. Sign-offs and comment waivers share one ledger, read once per evaluation. On a release or deployment, sign-offs given in the pull requests that brought the commit in count.",
    parameterNotes: [
      "Logins and team slugs are compared case-insensitively; a team counts its active members (a pending invitation does not).",
      "Ignored, and listed as details: sign-offs whose comment was edited or deleted, from people not in `users` or `teams`, older than `maxAgeDays`, or (with `resetOnPush`) given on a commit that is not the pull request's head now (the App records the head when it accepts the sign-off; push times are not used).",
    ],
    rules: [
      {
        text: "`users` or `teams` is required; teams are written `org/team-slug`.",
        message: "a signoff check needs users or teams",
        invalid: { count: 2 },
      },
    ],
    scoring: [
      "Passes when `count` distinct eligible people signed off; until then it **fails** with credit = sign-offs / `count` (it does not wait as pending).",
      "**unknown** when the ledger could not be read.",
    ],
    situations: [
      {
        when: "A member of the security team signed off yesterday",
        params: { teams: ["acme/security"], maxAgeDays: 90, resetOnPush: true },
        ledger: known({
          commands: [
            {
              verb: "signoff",
              check: "security-signoff",
              actor: "mona",
              at: daysAgo(1),
              url: "https://github.com/acme/shop/pull/42#issuecomment-1",
              headSha: "c0ffee".padEnd(40, "0"),
              prHeadSha: "c0ffee".padEnd(40, "0"),
            },
          ],
          actors: { mona: { permission: "write", teams: ["acme/security"] } },
        }),
        expect: "pass",
      },
      {
        when: "Nobody signed off yet",
        params: { teams: ["acme/security"] },
        ledger: known({ commands: [], actors: {} }),
        expect: "fail",
      },
      {
        when: "Two needed, one given; another sign-off came from someone not allowed",
        details: true,
        params: { users: ["alice", "bob"], count: 2 },
        ledger: known({
          commands: [
            { verb: "signoff", check: "security-signoff", actor: "alice", at: daysAgo(0.5) },
            { verb: "signoff", check: "security-signoff", actor: "mallory", at: daysAgo(0.4) },
          ],
          actors: {
            alice: { permission: "maintain", teams: [] },
            mallory: { permission: "write", teams: [] },
          },
        }),
        expect: "fail",
      },
      {
        when: "The only sign-off was given on an earlier head of the pull request",
        details: true,
        params: { teams: ["acme/security"], resetOnPush: true },
        ledger: known({
          commands: [
            {
              verb: "signoff",
              check: "security-signoff",
              actor: "mona",
              at: daysAgo(3),
              headSha: "beef".padEnd(40, "0"),
              prHeadSha: "c0ffee".padEnd(40, "0"),
            },
          ],
          actors: { mona: { permission: "write", teams: ["acme/security"] } },
        }),
        expect: "fail",
      },
      { when: "Locally", params: { teams: ["acme/security"] }, target: LOCAL, expect: "unknown" },
    ],
    example: `checks:
  security-signoff:
    signoff: { teams: [acme/security], maxAgeDays: 90, resetOnPush: true }
  two-approvers:
    signoff: { users: [alice, bob, carol], count: 2 }`,
  },

  pr: {
    evidence: ["pullRequest"],
    parameterNotes: [
      "Labels are compared case-insensitively. `changedFiles` globs see dot-directories; each must be matched by at least one file the pull request changes.",
    ],
    rules: [
      {
        text: "`labels` or `changedFiles` is required.",
        message: "a pr check needs labels or changedFiles",
        invalid: {},
      },
    ],
    scoring: [
      "One part per label and per glob; credit = share satisfied.",
      "**unknown** when the pull request cannot be read, or when it changes more files than GitHub lists (3000) and none of those listed matches a glob.",
    ],
    situations: [
      {
        when: "Labelled `release`, changelog updated",
        params: { labels: ["release"], changedFiles: ["CHANGELOG.md"] },
        answer: (n) =>
          n.type === "pullRequest"
            ? known({
                number: 42,
                title: "",
                labels: ["Release"],
                changedFiles: ["CHANGELOG.md", "src/cart.ts"],
                changedFilesTruncated: false,
                url: "https://github.com/acme/shop/pull/42",
              })
            : undefined,
        expect: "pass",
      },
      {
        when: "Changelog not touched",
        params: { labels: ["release"], changedFiles: ["CHANGELOG.md"] },
        answer: (n) =>
          n.type === "pullRequest"
            ? known({
                number: 42,
                title: "",
                labels: ["release"],
                changedFiles: ["src/cart.ts"],
                changedFilesTruncated: false,
              })
            : undefined,
        expect: "fail",
      },
      { when: "On a release", params: { labels: ["release"] }, target: RELEASE, expect: "skipped" },
      { when: "Locally", params: { labels: ["release"] }, target: LOCAL, expect: "skipped" },
    ],
    example: `checks:
  changelog:
    pr: { changedFiles: [CHANGELOG.md], labels: [release] }`,
  },

  attestation: {
    evidence: ["reviewedContent", "teamMembers"],
    evidenceNote:
      "The file is YAML (`.yml`, `.yaml`) or Markdown whose YAML front matter holds the fields; it says `statement`, `by` (a login), `date` (YYYY-MM-DD, UTC, or an ISO time) and optionally `until` (a day counts through its end) and `evidence` (minutes, a ticket). Unknown keys are errors. On a pull request the file is read from the **base branch**: a pull request that adds or edits it does not pass on its own copy (docs/security.md §4.4); on a release or deployment, from the default branch; locally, from the working tree.",
    parameterNotes: [
      "`by` lists who may attest: logins are compared case-insensitively with the file's `by`; a team (`org/team`) admits its members, read from GitHub. Locally membership is not known, so an attester admitted only through a team makes the check **unknown** there (name the people, or run with `--repo`); on GitHub, someone in none of the teams fails, and a team whose members could not be read makes the check **unknown**.",
      "A malformed file fails with every error as `file:line:column: field: message` in the details, the first in the summary.",
    ],
    scoring: [
      "Passes when the file exists, is well-formed, names an allowed person, is not dated in the future (beyond 5 minutes of clock skew) and has not expired by its `until` or the check's `maxAgeDays` (counted from `date`), whichever ends first.",
      "Fails otherwise, credit 0; **unknown** when the file could not be read, or the attester is not named and a team in `by` could not be read (always so locally).",
    ],
    situations: [
      {
        when: "The drill was held last month and recorded on main",
        params: { path: ".readiness/attestations/incident-drill.yml", by: ["alice", "bob"], maxAgeDays: 90 },
        answer: (n) =>
          n.type === "reviewedContent"
            ? known({
                content:
                  "statement: Incident drill held (failover of the payments database)\nby: alice\ndate: 2025-05-02\n",
                from: "main",
              })
            : undefined,
        expect: "pass",
      },
      {
        when: "Carol of the SRE team recorded the drill; by names acme/sre",
        params: { path: ".readiness/attestations/incident-drill.yml", by: ["alice", "acme/sre"] },
        answer: (n) =>
          n.type === "reviewedContent"
            ? known({
                content: "statement: Incident drill held\nby: carol\ndate: 2025-05-02\n",
                from: "main",
              })
            : n.type === "teamMembers"
              ? known(["carol", "dave"])
              : undefined,
        expect: "pass",
      },
      {
        when: "The same, locally: team membership is only known to GitHub",
        params: { path: ".readiness/attestations/incident-drill.yml", by: ["alice", "acme/sre"] },
        target: LOCAL,
        answer: (n) =>
          n.type === "reviewedContent"
            ? known({
                content: "statement: Incident drill held\nby: carol\ndate: 2025-05-02\n",
                from: "the checkout",
              })
            : onlyGitHub(n),
        expect: "unknown",
      },
      {
        when: "The pull request adds the file; main has none",
        params: { path: ".readiness/attestations/incident-drill.yml", maxAgeDays: 90 },
        answer: (n) => (n.type === "reviewedContent" ? known({ content: null, from: "main" }) : undefined),
        expect: "fail",
      },
      {
        when: "A typo in a key and a date that is not one",
        details: true,
        params: { path: ".readiness/attestations/incident-drill.yml" },
        answer: (n) =>
          n.type === "reviewedContent"
            ? known({
                content: "statement: Incident drill held\nby: alice\ndate: last week\nutil: 2025-12-31\n",
                from: "main",
              })
            : undefined,
        expect: "fail",
      },
      {
        when: "The last drill is older than the limit",
        params: { path: ".readiness/attestations/incident-drill.yml", maxAgeDays: 90 },
        answer: (n) =>
          n.type === "reviewedContent"
            ? known({
                content: "statement: Incident drill held\nby: alice\ndate: 2025-01-10\n",
                from: "main",
              })
            : undefined,
        expect: "fail",
      },
    ],
    example: `checks:
  incident-drill:
    attestation:
      path: .readiness/attestations/incident-drill.yml
      by: [alice, bob]
      maxAgeDays: 90`,
  },
};

// ---------------------------------------------------------------- running the situations

export interface Outcome {
  status: CheckStatus;
  credit: number | null;
  summary: string;
  details?: string[];
  fix?: string;
}

const CHECK_ID: Record<KindName, string> = {
  file: "runbook-fresh",
  workflow: "ci-green",
  status: "external-ci",
  artifact: "load-slo",
  release: "signed-release",
  branch: "gate-is-required",
  alerts: "no-high-vulns",
  signoff: "security-signoff",
  pr: "changelog",
  attestation: "incident-drill",
};

/** The needs a situation raises, in the engine's two rounds (before and after the file index). */
export function situationNeeds(name: KindName, s: Situation): Need[] {
  const kind = kindOf(name);
  const params = kinds[name].schema.parse(s.params);
  const target = s.target ?? PR;
  const first = kind.needs(params, { target, files: null });
  const files = first.some((n) => n.type === "files") ? s.answer?.({ type: "files" }) : undefined;
  const second = files?.state === "ok" ? kind.needs(params, { target, files: files.value as FileIndex }) : [];
  const all = new Map<string, Need>();
  for (const n of [...first, ...second]) all.set(needKey(n), n);
  return [...all.values()];
}

/** What the kind reports in the situation: its own evaluate(), or the engine's skip line. */
export function runSituation(name: KindName, s: Situation): Outcome {
  const kind = kindOf(name);
  const params = kinds[name].schema.parse(s.params);
  const target = s.target ?? PR;
  const skip = skipReason({ [name]: params, weight: 1, required: false, waivable: true } as CheckDef, target);
  if (skip) return { status: "skipped", credit: null, summary: `Skipped: ${skip}.` };

  const answers = new Map<string, Fact<unknown>>();
  for (const need of situationNeeds(name, s)) {
    // Unless a situation says otherwise, the change did not rewrite any workflow file.
    const fact =
      s.answer?.(need) ??
      (need.type === "workflowChanges" ? known({ base: "main", changed: [] }) : undefined);
    if (!fact) throw new Error(`${name} docs, "${s.when}": no answer for the need ${needKey(need)}`);
    answers.set(needKey(need), fact);
  }
  const result: KindResult = kind.evaluate(params, {
    checkId: CHECK_ID[name],
    target,
    facts: new Facts(answers),
    now: NOW,
    ...(s.ledger ? { ledger: s.ledger } : {}),
  });
  return {
    status: result.status,
    credit: result.status === "pass" ? 1 : result.credit,
    summary: result.summary,
    ...(result.details?.length ? { details: result.details } : {}),
    ...(result.fix ? { fix: result.fix } : {}),
  };
}

// ---------------------------------------------------------------- parameters from the schema

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minItems?: number;
  pattern?: string;
};

export interface ParameterRow {
  name: string;
  type: string;
  default: string;
  meaning: string;
}

export function jsonSchemaOf(name: KindName): JsonSchema {
  return z.toJSONSchema(kinds[name].schema, { io: "input" }) as JsonSchema;
}

const plain = (v: unknown): string =>
  typeof v === "string" && /^[A-Za-z0-9._/-]+$/.test(v) ? v : JSON.stringify(v);

/** A default as YAML flow would write it: [success], medium, 1, false. */
function yamlValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(plain).join(", ")}]`;
  return plain(v);
}

function bounds(s: JsonSchema): string {
  const out: string[] = [];
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  else if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) out.push(`≤ ${s.maximum}`);
  return out.length ? ` ${out.join(", ")}` : "";
}

function typeOf(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeOf).join(" or ");
  if (s.enum) return `one of ${s.enum.map((v) => `\`${plain(v)}\``).join(", ")}`;
  if (s.const !== undefined) return `\`${plain(s.const)}\``;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return `${types.slice(0, -1).join(", ")} or ${types.at(-1)}`;
  switch (types[0]) {
    case "array": {
      const item = s.items ? typeOf(s.items) : "values";
      const list = s.items?.enum ? `list, each ${item}` : `list of ${item.replace(/^(\w+)/, "$1s")}`;
      return (s.minItems ?? 0) >= 1 ? `non-empty ${list}` : list;
    }
    case "object":
      return "mapping";
    case "integer":
    case "number":
      return `${types[0]}${bounds(s)}`;
    case "string":
      return s.pattern ? `string matching \`${s.pattern}\`` : "string";
    case undefined:
      return "any";
    default:
      return types[0];
  }
}

/** Every parameter of a kind, nested mappings flattened as `json.file`. */
export function parameterRows(name: KindName): ParameterRow[] {
  const doc = KIND_DOCS[name];
  const rows: ParameterRow[] = [];
  const walk = (s: JsonSchema, prefix: string, within: string | null) => {
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      const path = `${prefix}${key}`;
      const required = (s.required ?? []).includes(key);
      const meaning = prop.description ?? doc.fallbackMeaning?.[path] ?? "";
      rows.push({
        name: path,
        type: typeOf(prop),
        default:
          prop.default !== undefined
            ? `\`${yamlValue(prop.default)}\``
            : required
              ? within
                ? `required in \`${within}\``
                : "**required**"
              : "—",
        meaning,
      });
      if (prop.properties) walk(prop, `${path}.`, path);
    }
  };
  walk(jsonSchemaOf(name), "", null);
  return rows;
}

// ---------------------------------------------------------------- markdown

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Prose from the code (descriptions) as markdown: `<check>` must not read as HTML, `*.sig` not as emphasis. */
const prose = (s: string): string =>
  s
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 ? part : part.replace(/</g, "&lt;").replace(/\*/g, "\\*")))
    .join("");

/** Text shown verbatim: a code span whose fence no backtick run inside it can close. */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

const CONTEXT_WORDS: Record<ContextKind, string> = {
  pull_request: "pull requests",
  release: "releases",
  deployment: "deployments",
  local: "local checkouts",
};

const credit = (c: number | null): string => (c === null ? "—" : String(Math.round(c * 100) / 100));

function permissionList(perms: Permission[]): string {
  return perms.map((p) => `\`${p.key}\` (${p.label})`).join(", ");
}

function kindPermissions(name: KindName): Permission[] {
  const seen = new Map<string, Permission>();
  for (const t of KIND_DOCS[name].evidence) for (const p of EVIDENCE[t].permissions) seen.set(p.key, p);
  return [...seen.values()];
}

const localSummary = (name: KindName): string => {
  const kind = kinds[name];
  if (!kind.appliesTo.includes("local")) return "skipped";
  const evidence = KIND_DOCS[name].evidence;
  if (evidence.every((t) => LOCAL_EVIDENCE.includes(t))) return "yes: files and git history";
  const remote = evidence.filter((t) => !LOCAL_EVIDENCE.includes(t));
  // Partly local (an attestation's file, though not its team membership): say which part waits for GitHub.
  return evidence.some((t) => LOCAL_EVIDENCE.includes(t))
    ? `yes: files and git history (not ${remote.map((t) => EVIDENCE[t].what).join(", ")})`
    : GITHUB_ONLY;
};

function overview(): string[] {
  const lines = ["| kind | applies to | locally | GitHub permissions (read) |", "|---|---|---|---|"];
  for (const name of kindNames) {
    const kind = kinds[name];
    const where = ALL_CONTEXTS.every((c) => kind.appliesTo.includes(c))
      ? "everywhere"
      : kind.appliesTo.map((c) => CONTEXT_WORDS[c]).join(", ");
    const perms = kindPermissions(name).map((p) => `\`${p.key}\``);
    lines.push(`| [\`${name}\`](#${name}) | ${where} | ${localSummary(name)} | ${perms.join(", ")} |`);
  }
  return lines;
}

const ERROR_SUMMARY = quote(
  "src/engine/evaluate.ts",
  "The check could not be evaluated (internal error); the gate fails closed.",
);

function statuses(): string[] {
  return [
    "## Statuses",
    "",
    "Every check ends in one status and earns a credit between 0 and 1. A category's score is the weighted mean",
    "credit of its checks that are not skipped; the overall score is the weighted mean of the category scores (see",
    "[configuration.md](configuration.md#scoring-and-verdict)).",
    "",
    "| status | meaning | credit | effect on the verdict |",
    "|---|---|---|---|",
    "| `pass` | The evidence shows the requirement is met. | 1 | None. |",
    "| `fail` | The evidence shows it is not met. | The kind's partial credit: the share of its parts that are met (entries, globs, jobs, sources...), else 0. | A required check failing makes the verdict NO-GO. Waivable. |",
    "| `waived` | A valid waiver (from the policy, or `/readiness waive` in the pull request) covers a check that was `fail` (never `unknown` or `error`: evidence that could not be had stays fail-closed). | 1 | Counts as passing, required checks included. |",
    `| \`skipped\` | The kind does not apply to this context (a \`release\` check on a pull request), or the check's \`contexts\` leave this one out. Summary: ${code("Skipped: <reason>.")} | None: the check leaves the score's denominator. | None; but when no check applies at all, the verdict is NO-GO. |`,
    "| `pending` | Evidence is still coming: a workflow run, job or check run in progress, a commit status `pending`. | The kind's partial credit for the parts already done. | The verdict is **pending** while no required check fails, nothing is `unknown` or `error`, and the score counting every pending check as passing could still reach `minScore`; otherwise NO-GO. Waivers do not cover it. |",
    "| `unknown` | The evidence could not be had: only GitHub has it, a permission is missing, a scanner is off, a list was truncated. The summary says which. | 0 | The report is **incomplete** and the verdict NO-GO (fail closed), whether or not the check is required. Not waivable: a waiver covers a definite failure only, so a missing permission or an outage never turns into GO. |",
    `| \`error\` | The check itself could not be evaluated (a bug). Summary: ${code(ERROR_SUMMARY)} | 0 | As \`unknown\`. |`,
    "",
    "GO needs the score at or above `gate.minScore`, every required check `pass` or `waived`, and nothing `unknown`",
    "or `error`. A waiver on a passing check is reported as no longer needed; an expired one as expired.",
  ];
}

function kindSection(name: KindName): string[] {
  const kind = kinds[name];
  const doc = KIND_DOCS[name];
  const out: string[] = [`## \`${name}\``, "", prose(kind.description), ""];

  const skipped = ALL_CONTEXTS.filter((c) => !kind.appliesTo.includes(c));
  if (skipped.length === 0) {
    out.push("**Applies to:** pull requests, releases, deployments and local checkouts.", "");
  } else {
    const example = runSituation(name, {
      when: "",
      params: doc.situations[0]!.params,
      target: contextTarget(skipped[0]!),
      expect: "skipped",
    });
    out.push(
      `**Applies to:** ${kind.appliesTo.map((c) => CONTEXT_WORDS[c]).join(" and ")} only. Elsewhere the check is skipped: ${code(example.summary)}`,
      "",
    );
  }

  out.push(
    "**Evidence**",
    "",
    "| evidence | locally (`readiness check` in a checkout) | on GitHub (the App, or the CLI with `--repo`) | GitHub permission (read) |",
    "|---|---|---|---|",
  );
  for (const t of doc.evidence) {
    const e = EVIDENCE[t];
    const local = kind.appliesTo.includes("local") ? e.local : "— (the kind is skipped locally)";
    out.push(
      `| ${cell(e.what)} | ${cell(local)} | ${cell(e.github)} | ${cell(permissionList(e.permissions))} |`,
    );
  }
  out.push("");
  if (doc.evidenceNote) out.push(doc.evidenceNote, "");

  out.push("**Parameters**", "", "| parameter | type | default | meaning |", "|---|---|---|---|");
  for (const r of parameterRows(name)) {
    out.push(`| \`${r.name}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(prose(r.meaning))} |`);
  }
  out.push("");
  const notes = [
    ...(doc.rules ?? []).map((r) => `${r.text} Otherwise the policy is rejected: ${code(r.message)}.`),
    ...(doc.parameterNotes ?? []),
  ];
  for (const n of notes) out.push(`- ${n}`);
  if (notes.length) out.push("");

  out.push("**Scoring**", "");
  for (const s of doc.scoring) out.push(`- ${s}`);
  out.push("");

  out.push(
    "**What it reports**",
    "",
    "Printed by the code for each situation (summary, and the fix hint shown unless the check sets its own `fix`):",
    "",
    "| situation | status | credit | summary | fix hint |",
    "|---|---|---|---|---|",
  );
  for (const s of doc.situations) {
    const o = runSituation(name, s);
    if (o.status !== s.expect) {
      throw new Error(
        `${name} docs, "${s.when}": expected ${s.expect}, the code says ${o.status}: ${o.summary}`,
      );
    }
    const details = s.details && o.details ? o.details.map((d) => `<br>· ${code(d)}`).join("") : "";
    out.push(
      `| ${cell(s.when)} | \`${o.status}\` | ${credit(o.credit)} | ${cell(code(o.summary) + details)} | ${o.fix ? cell(code(o.fix)) : ""} |`,
    );
  }
  out.push("", "**Example**", "", "```yaml", doc.example, "```", "");
  return out;
}

function contextTarget(c: ContextKind): Target {
  if (c === "local") return LOCAL;
  if (c === "release") return RELEASE;
  if (c === "deployment")
    return { context: "deployment", repository, sha: SHA, deployment: { environment: "production" } };
  return PR;
}

export function renderCheckDocs(): string {
  const lines = [
    "# Check reference",
    "",
    "<!-- Generated by scripts/generate-check-docs.ts from src/checks/*.ts. Do not edit: change the code or the",
    "     prose in the script, then run `npm run docs`. -->",
    "",
    "Every check in `.readiness.yml` has exactly one kind: one of the keys below, holding its parameters. The fields",
    "every check shares (`title`, `category`, `weight`, `required`, `waivable`, `fix`, `contexts`) are described in",
    "[configuration.md](configuration.md#checks); a commented policy using every kind is",
    "[`.readiness.example.yml`](../.readiness.example.yml).",
    "",
    "**Where evidence comes from.** The GitHub App, and `readiness check --repo OWNER/NAME --ref REF` with a token,",
    "read evidence from GitHub's REST API for the evaluated commit. `readiness check` in a checkout reads only the",
    "files, their contents and git history; evidence only GitHub has is `unknown` there, with the reason",
    `${code(githubOnlyReason({ type: "checkRuns" }))}, and the report says once, in a note, how to get it`,
    "(`--repo` with `GITHUB_TOKEN`, or the App). Unknown never earns credit and never yields GO.",
    "",
    "**Contexts.** A check is evaluated for a pull request (`pull_request`), a published release (`release`), a",
    "deployment waiting on its protection rule (`deployment`) or a local checkout (`local`). A kind that makes no",
    "sense in a context is `skipped` there.",
    "",
    "The summaries in the tables below are what the code prints, produced by running each kind on the situation",
    "described (evaluated on a pull request at commit `3f2a9c1` unless the situation says otherwise).",
    "",
    ...overview(),
    "",
    ...statuses(),
    "",
  ];
  for (const name of kindNames) lines.push(...kindSection(name));
  return `${lines.join("\n").trimEnd()}\n`;
}

// ---------------------------------------------------------------- the presets, as the engine reads them

export const PRESETS_DOC_PATH = fileURLToPath(new URL("../docs/presets.md", import.meta.url));

/** docs/presets.md: each preset's text, verbatim, so what `extends` brings in can be read before using it. */
export function renderPresetDocs(): string {
  const lines = [
    "# Presets",
    "",
    "<!-- Generated by scripts/generate-check-docs.ts from src/policy/presets: run `npm run docs`. -->",
    "",
    "`extends: [readiness:<name>]` brings in one of these documents as they stand below. A check of your own",
    "with the same id overrides the preset's field by field (fields you do not give, such as `title`, stay the",
    "preset's: give a `title` when you change a limit), and `<id>: null` removes it",
    "([extends and presets](configuration.md#extends-and-presets)). `readiness init` picks the presets that fit",
    "a checkout.",
    "",
  ];
  for (const name of PRESET_NAMES) lines.push(`- [\`${name}\`](#${name.replace(":", "")})`);
  for (const name of PRESET_NAMES) {
    lines.push("", `## \`${name}\``, "", "```yaml", (presetText(name) ?? "").trimEnd(), "```");
  }
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------- main

function main(argv: string[]): number {
  const outputs: [string, string, string][] = [
    [DOC_PATH, renderCheckDocs(), "docs/checks.md"],
    [PRESETS_DOC_PATH, renderPresetDocs(), "docs/presets.md"],
  ];
  if (argv.includes("--check")) {
    let stale = 0;
    for (const [path, text, label] of outputs) {
      let current = "";
      try {
        current = readFileSync(path, "utf8");
      } catch {}
      if (current === text) continue;
      process.stderr.write(`${label} is out of date: run \`npm run docs\`\n`);
      stale++;
    }
    return stale ? 1 : 0;
  }
  for (const [path, text] of outputs) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
