// `readiness init`: what a checkout shows (from its file list and workflow files) and the commented policy
// written from it. Pure: paths and texts in, findings and YAML text out; src/cli/init.ts does the I/O.
import { parseDocument } from "yaml";

/** A workflow file as init understands it. */
export interface WorkflowInfo {
  /** .github/workflows/ci.yml */
  path: string;
  /** ci.yml */
  file: string;
  /** Its `name:`, if any. */
  name?: string;
  /** Event names of `on:`. */
  events: string[];
  /** Push only on tags (a release pipeline), not branches. */
  tagsOnly: boolean;
  /** Job display names (`name:`), else job ids. */
  jobs: string[];
  /** `uses:` and `run:` text of every step, lower-cased, for looking for SBOM, signing, publishing. */
  steps: string;
  /** The file could not be parsed as YAML. */
  broken?: boolean;
}

export interface Findings {
  readme?: string;
  license?: string;
  changelog?: string;
  /** The changelog is where the preset looks (root or docs/, the usual names in upper case). */
  changelogInPreset: boolean;
  security?: string;
  /** SECURITY.md somewhere GitHub does not read it (or named otherwise). */
  securityElsewhere?: string;
  codeowners?: string;
  /** CODEOWNERS files GitHub ignores (not in .github/, the root or docs/). */
  codeownersIgnored: string[];
  dependencyUpdates?: string;
  docsDir?: string;
  dockerfile?: string;
  /** Files that say this is deployed and run as a service (Helm chart, compose, Kubernetes manifests...). */
  deployment: string[];
  /** Runbooks, SLOs, alert rules already present: also a sign of a service. */
  operations: string[];
  lockfiles: string[];
  /** Package manifests without a lockfile beside them. */
  unlocked: string[];
  workflows: WorkflowInfo[];
  ci?: WorkflowInfo;
  /** Other workflows that look like CI (lint, typecheck...), not gated by the written policy. */
  otherCi: WorkflowInfo[];
  release?: WorkflowInfo;
  sbom: boolean;
  signing: boolean;
  provenance: boolean;
}

const first = (paths: readonly string[], re: RegExp): string | undefined => paths.find((p) => re.test(p));

// GitHub's places (docs.github.com: "About READMEs", "About code owners", "Adding a security policy").
const README = /^(?:\.github\/|docs\/)?readme(?:\.(?:md|markdown|rst|txt|adoc))?$/i;
const LICENSE = /^(?:licen[cs]e|copying)(?:[.-][^/]*)?$/i;
const CHANGELOG =
  /^(?:docs\/)?(?:changelog|changes|history|news|releases?)(?:\.(?:md|markdown|rst|txt|adoc))?$/i;
/** What readiness:baseline's changelog glob matches. */
const CHANGELOG_PRESET =
  /^(?:docs\/)?(?:CHANGELOG|CHANGES|HISTORY|NEWS|changelog)(?:\.(?:md|markdown|rst|txt|adoc))?$/;
const SECURITY = /^(?:\.github\/|docs\/)?SECURITY\.md$/;
const SECURITY_ANY = /(?:^|\/)security(?:\.(?:md|markdown|rst|txt))?$/i;
const CODEOWNERS = /^(?:\.github\/|docs\/)?CODEOWNERS$/;
const CODEOWNERS_ANY = /(?:^|\/)CODEOWNERS$/;
const DEPENDENCY_UPDATES =
  /^(?:\.github\/dependabot\.ya?ml|(?:\.github\/|\.gitlab\/)?renovate\.json5?|\.renovaterc(?:\.json5?)?)$/;
const DOCKERFILE = /(?:^|\/)(?:Dockerfile|Containerfile)(?:\.[^/]*)?$/;
const DEPLOYMENT =
  /(?:^|\/)(?:Chart\.ya?ml|(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml|Procfile|fly\.toml|render\.ya?ml|app\.ya?ml|skaffold\.ya?ml|kustomization\.ya?ml|serverless\.ya?ml)$|(?:^|\/)(?:k8s|kubernetes|helm|deploy|deployment|manifests)\/[^/]+\.ya?ml$/i;
const OPERATIONS =
  /(?:(?:^|\/)(?:runbooks?|playbooks?|slos?)(?:[._-][^/]*)?|(?:^|\/)(?:runbooks|playbooks|slos?|alerts|alerting)\/[^/]+|[^/]*\.rules)\.(?:md|markdown|rst|adoc|ya?ml|json|jsonnet)$/i;
/** Excluded from the service hints: examples, fixtures and vendored trees are not this repository's service. */
const NOT_OWN =
  /(?:^|\/)(?:examples?|samples?|fixtures?|testdata|tests?|vendor|third_party|node_modules|documentation)\//i;

/** Lockfile → the manifest it locks, at the same place. */
const LOCKS: Record<string, string[]> = {
  "package.json": [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
  ],
  "go.mod": ["go.sum"],
  "Cargo.toml": ["Cargo.lock"],
  "pyproject.toml": ["poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"],
  Pipfile: ["Pipfile.lock"],
  Gemfile: ["Gemfile.lock"],
  "composer.json": ["composer.lock"],
  "mix.exs": ["mix.lock"],
  "pubspec.yaml": ["pubspec.lock"],
  "Package.swift": ["Package.resolved"],
};

export const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;

/** Workflows that are not CI whatever their triggers: analysis, housekeeping, publishing. */
const NOT_CI =
  /codeql|scorecard|stale|lock|label|greet|welcome|triage|automerge|approve|sync|dependabot|release|publish|deploy|pages|zizmor|fuzz|bench|backport|cla\b|issue|comment|description|notify/i;
const CI_WORDS = /(?:^|[^a-z])(?:ci|tests?|build|checks?|main|go|node|python|unit)(?:[^a-z]|$)/i;
const RELEASE_WORDS = /release|publish|goreleaser/i;
const RELEASE_STEPS =
  /goreleaser|npm publish|pypa\/gh-action-pypi-publish|twine upload|softprops\/action-gh-release|gh release (?:create|upload)|cargo publish|changesets\/action|semantic-release|release-please/;
const SBOM_STEPS = /syft|sbom|cyclonedx|cdxgen|spdx|trivy[^\n]*--format (?:spdx|cyclonedx)/;
const SIGN_STEPS =
  /cosign|sigstore|minisign|gpg --(?:detach-sign|armor)|actions\/attest(?!-build-provenance)/;
const PROVENANCE_STEPS = /slsa-github-generator|slsa-framework|attest-build-provenance|provenance/;

const asRecord = (v: unknown): Record<string, unknown> | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The parts of a workflow file init needs; a file that is not YAML is kept with `broken`. */
export function readWorkflow(path: string, text: string): WorkflowInfo {
  const file = path.slice(path.lastIndexOf("/") + 1);
  const info: WorkflowInfo = { path, file, events: [], tagsOnly: false, jobs: [], steps: "" };
  try {
    return readInto(info, text);
  } catch {
    // A document nested deeper than the parser's stack, or anything else it cannot take: not a workflow.
    return { ...info, broken: true };
  }
}

function readInto(info: WorkflowInfo, text: string): WorkflowInfo {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return { ...info, broken: true };
  const data = asRecord(doc.toJS({ maxAliasCount: 100 }));
  if (!data) return { ...info, broken: true };
  if (typeof data.name === "string") info.name = data.name;
  // YAML 1.1 readers (GitHub's) and 1.2 (this one) both give `on` as a key here: yaml defaults to 1.2.
  const on = data.on ?? data.true;
  if (typeof on === "string") info.events = [on];
  else if (Array.isArray(on)) info.events = on.filter((e): e is string => typeof e === "string");
  else if (asRecord(on)) {
    info.events = Object.keys(on as object);
    const push = asRecord((on as Record<string, unknown>).push);
    info.tagsOnly = Boolean(push && push.tags !== undefined && push.branches === undefined);
  }
  const steps: string[] = [];
  for (const [id, job] of Object.entries(asRecord(data.jobs) ?? {})) {
    const j = asRecord(job);
    info.jobs.push(typeof j?.name === "string" ? j.name : id);
    if (typeof j?.uses === "string") steps.push(j.uses);
    for (const step of Array.isArray(j?.steps) ? j.steps : []) {
      const s = asRecord(step);
      for (const key of ["uses", "run", "name"])
        if (typeof s?.[key] === "string") steps.push(s[key] as string);
      const w = asRecord(s?.with);
      if (w) steps.push(JSON.stringify(w));
    }
  }
  info.steps = steps.join("\n").toLowerCase();
  return info;
}

function ciScore(w: WorkflowInfo): number {
  if (w.broken || w.tagsOnly) return 0;
  const label = `${w.file.replace(/\.ya?ml$/, "")} ${w.name ?? ""}`;
  if (NOT_CI.test(label)) return 0;
  const onChange = w.events.some((e) => e === "pull_request" || e === "push" || e === "merge_group");
  if (!onChange) return 0;
  let score = 1;
  if (/^ci\.ya?ml$/i.test(w.file)) score += 10;
  if (/^ci$/i.test(w.name ?? "")) score += 5;
  if (CI_WORDS.test(label)) score += 3;
  if (w.jobs.some((j) => /test|build/i.test(j))) score += 2;
  if (w.events.includes("pull_request")) score += 1;
  // Lint and docs workflows run on changes too, but the CI is the one that builds and tests.
  if (/lint|format|typecheck|spell|docs?\b/i.test(label)) score -= 2;
  return Math.max(score, 0.5);
}

/** Triggered by a release or a tag, or publishing something; never a workflow that runs on pull requests. */
function isRelease(w: WorkflowInfo): boolean {
  if (w.broken || w.events.includes("pull_request") || w.events.includes("pull_request_target")) return false;
  if (w.events.includes("release") || w.tagsOnly) return true;
  return (
    RELEASE_STEPS.test(w.steps) ||
    (RELEASE_WORDS.test(`${w.file} ${w.name ?? ""}`) && !w.events.includes("schedule"))
  );
}

/** What the checkout shows. `paths`: the files of the commit (git's list); `workflows`: parsed workflow files. */
export function detect(paths: readonly string[], workflows: readonly WorkflowInfo[]): Findings {
  const own = paths.filter((p) => !NOT_OWN.test(p));
  const changelog = first(paths, CHANGELOG_PRESET) ?? first(paths, CHANGELOG);
  const codeowners = first(paths, CODEOWNERS);
  const security = first(paths, SECURITY);
  const f: Findings = {
    changelogInPreset: changelog !== undefined && CHANGELOG_PRESET.test(changelog),
    codeownersIgnored: paths.filter((p) => CODEOWNERS_ANY.test(p) && !CODEOWNERS.test(p)).slice(0, 5),
    deployment: own.filter((p) => DEPLOYMENT.test(p) && !WORKFLOW_FILE.test(p)).slice(0, 5),
    operations: own.filter((p) => OPERATIONS.test(p) && !WORKFLOW_FILE.test(p)).slice(0, 5),
    lockfiles: [],
    unlocked: [],
    workflows: [...workflows],
    otherCi: [],
    sbom: false,
    signing: false,
    provenance: false,
  };
  const set = <K extends keyof Findings>(key: K, value: Findings[K] | undefined) => {
    if (value !== undefined) f[key] = value;
  };
  set("readme", first(paths, README));
  set("license", first(paths, LICENSE));
  set("changelog", changelog);
  set("security", security);
  if (!security)
    set(
      "securityElsewhere",
      own.find((p) => SECURITY_ANY.test(p) && !WORKFLOW_FILE.test(p)),
    );
  set("codeowners", codeowners);
  set("dependencyUpdates", first(paths, DEPENDENCY_UPDATES));
  const dirs = ["docs", "doc", "documentation", "website/docs"];
  set(
    "docsDir",
    dirs.find((d) => paths.some((p) => p.startsWith(`${d}/`))),
  );
  set("dockerfile", own.find((p) => DOCKERFILE.test(p)) ?? first(paths, DOCKERFILE));
  const root = new Set(paths.filter((p) => !p.includes("/")));
  for (const [manifest, locks] of Object.entries(LOCKS)) {
    if (!root.has(manifest)) continue;
    const found = locks.filter((l) => root.has(l));
    if (found.length > 0) f.lockfiles.push(...found);
    else f.unlocked.push(manifest);
  }
  // A setup.py-only Python project has nothing to lock against but is still a manifest.
  if (root.has("setup.py") && !root.has("pyproject.toml")) f.unlocked.push("setup.py");

  const ranked = workflows
    .map((w) => ({ w, score: ciScore(w) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || (a.w.file < b.w.file ? -1 : 1));
  if (ranked[0]) f.ci = ranked[0].w;
  f.otherCi = ranked.slice(1).map((x) => x.w);
  const release = workflows.find(isRelease);
  if (release) f.release = release;
  const all = workflows.map((w) => w.steps).join("\n");
  f.sbom = SBOM_STEPS.test(all);
  f.signing = SIGN_STEPS.test(all);
  f.provenance = PROVENANCE_STEPS.test(all);
  return f;
}

/** A service is something this repository deploys: deployment files, or operations documents already kept. */
export const isService = (f: Findings): boolean => f.deployment.length > 0 || f.operations.length > 0;

export function presetsFor(f: Findings): string[] {
  const presets = [isService(f) ? "readiness:service" : "readiness:baseline"];
  if (f.release) presets.push("readiness:supply-chain");
  return presets;
}

const q = (s: string): string => JSON.stringify(s);
const SINGLE_LINE = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/g;
const GITHUB_ONLY = "[pull_request, release, deployment]";

/** The commented policy. `date`: YYYY-MM-DD, said in the header. */
export function draftPolicy(f: Findings, date: string): string {
  const presets = presetsFor(f);
  const out: string[] = [];
  // Names and paths come from the repository: a newline in one must not start a line of YAML.
  const line = (s = "") => out.push(s.replace(SINGLE_LINE, " "));
  line(`# Production readiness of this repository, written by \`readiness init\` on ${date} from what the`);
  line(
    "# checkout shows. Edit it: it is yours. Reference: docs/configuration.md and docs/checks.md of Readiness Gate;",
  );
  line("# `readiness validate` checks it, `readiness check` evaluates it on a checkout.");
  line("version: 1");
  line("");
  if (presets[0] === "readiness:service") {
    const why = [...f.deployment, ...f.operations].slice(0, 3).join(", ");
    line(
      `# readiness:service: README, licence, changelog, security policy, code owners, CI, dependency updates,`,
    );
    line(
      `# plus runbook, SLOs, alerting, dashboards, restore drill and threat model: this repository deploys`,
    );
    line(`# something (${why}).`);
  } else {
    line(
      "# readiness:baseline: README, licence, changelog, security policy, code owners, CI, dependency updates.",
    );
    line("# For a service you run in production, use readiness:service (adds runbook, SLOs, alerting...).");
  }
  if (f.release) {
    line(
      `# readiness:supply-chain, as ${f.release.path} publishes releases: SBOM, signatures and provenance on`,
    );
    line(
      "# releases, no open high alert, branch rules. Those checks apply on GitHub only (the App or --repo).",
    );
  }
  line(`extends: [${presets.join(", ")}]`);
  line("");
  line("gate:");
  line("  minScore: 80      # GO needs this score (0-100), every required check passing, nothing unknown");
  line("  mode: block       # warn: report the verdict without failing the check run or CI (to start with)");
  line("");
  line("# Which pull requests the App gates (default: into release/** or release-*, or labelled release):");
  line("# applies:");
  line("#   pullRequests: { branches: [main] }");
  line("");
  const checks: string[] = [];
  const c = (s = "") => checks.push(s.replace(SINGLE_LINE, " "));

  // CI: the preset looks for ci.yml; name the workflow this repository has, or say there is none.
  if (!f.ci) {
    c("  # No workflow in .github/workflows/ runs on pushes or pull requests: the preset's `ci` check would");
    c("  # fail on every pull request. CI elsewhere: replace with `status: { name: <its check name> }`.");
    c("  ci: null");
  } else if (!/^ci\.ya?ml$/.test(f.ci.file)) {
    const jobs = f.ci.jobs.slice(0, 4).join(", ");
    c(
      `  # The CI workflow here is ${f.ci.path}${f.ci.name ? ` ("${f.ci.name}")` : ""}${jobs ? `, jobs ${jobs}` : ""}.`,
    );
    c(
      "  # Runs are known to GitHub only: evaluated by the App and `readiness check --repo`, skipped locally.",
    );
    c("  ci:");
    c(`    title: ${q(`CI (${f.ci.name ?? f.ci.file}) passes on this commit`)}`);
    c("    category: delivery");
    c("    required: true");
    c(`    contexts: ${GITHUB_ONLY}`);
    c(`    workflow: { file: ${q(f.ci.file)} }`);
    c("    fix: Make the CI workflow pass on this commit.");
  }
  // The preset's changelog glob is exact about names; a History.md or docs/releases.md is found here.
  if (f.changelog && !f.changelogInPreset) {
    c(`  # The changelog is ${f.changelog}, a name the preset does not look for.`);
    c("  changelog:");
    c(`    file: { path: ${q(f.changelog)} }`);
  }
  if (f.docsDir) {
    c(`  docs:`);
    c("    title: Documentation folder");
    c("    category: documentation");
    c(`    file: { path: ${q(`${f.docsDir}/**`)} }`);
    c(`    fix: ${q(`Keep the documentation in ${f.docsDir}/.`)}`);
  }
  if (f.dockerfile) {
    c(`  container:`);
    c("    title: Container image definition");
    c("    category: delivery");
    c(`    file: { path: ${q(f.dockerfile)} }`);
    c(`    fix: ${q(`Restore ${f.dockerfile}, which builds the image that is deployed.`)}`);
  }
  if (f.lockfiles.length > 0) {
    c("  # Dependencies resolved the same way in CI as on a laptop.");
    c("  lockfile:");
    c("    title: Dependencies locked");
    c("    category: security");
    c(`    file: { path: [${f.lockfiles.map(q).join(", ")}] }`);
    c(
      `    fix: ${q(`Commit the lockfile${f.lockfiles.length > 1 ? "s" : ""} (${f.lockfiles.join(", ")}).`)}`,
    );
  }
  if (f.release && !f.sbom) {
    c(
      `  # ${f.release.path} has no SBOM step (syft, cdxgen...): releases fail \`sbom\` until one is attached.`,
    );
    c("  # sbom: null   # to drop the check instead");
  }
  if (checks.length > 0) {
    line("checks:");
    for (const s of checks) line(s);
    line("");
  }
  line("# Waivers reviewed like code (or /readiness waive in a pull request, with the App):");
  line("# waivers:");
  line('#   - { check: codeowners, reason: "Ownership is being settled this quarter", expires: YYYY-MM-DD }');
  return `${out.join("\n")}\n`;
}

/** Lines for the terminal: what was found, what was not, what init left to a person. */
export function describeFindings(f: Findings): { found: string[]; missing: string[]; undecided: string[] } {
  const found: string[] = [];
  const missing: string[] = [];
  const undecided: string[] = [];
  const item = (label: string, value: string | undefined, absent: string) =>
    value ? found.push(`${label}: ${value}`) : missing.push(`${label}: ${absent}`);
  item("README", f.readme, "none in the root, .github/ or docs/");
  item("licence", f.license, "no LICENSE at the root");
  item("changelog", f.changelog, "no CHANGELOG.md (or CHANGES, HISTORY, NEWS) in the root or docs/");
  item(
    "security policy",
    f.security,
    f.securityElsewhere
      ? `${f.securityElsewhere} is not where GitHub reads it (SECURITY.md in the root, .github/ or docs/)`
      : "no SECURITY.md in the root, .github/ or docs/",
  );
  if (!f.security)
    undecided.push(
      "GitHub also shows the SECURITY.md of the organisation's .github repository, which a checkout cannot see: if that is your policy, remove the check (security-policy: null)",
    );
  item("code owners", f.codeowners, "no CODEOWNERS in .github/, the root or docs/");
  if (f.codeownersIgnored.length > 0)
    undecided.push(
      `${f.codeownersIgnored.join(", ")}: CODEOWNERS outside .github/, the root and docs/ is ignored by GitHub`,
    );
  item("dependency updates", f.dependencyUpdates, "no Dependabot or Renovate configuration");
  if (f.docsDir) found.push(`docs: ${f.docsDir}/`);
  if (f.dockerfile) found.push(`container: ${f.dockerfile}`);
  if (f.deployment.length > 0) found.push(`deployment: ${f.deployment.join(", ")}`);
  if (f.lockfiles.length > 0) found.push(`lockfiles: ${f.lockfiles.join(", ")}`);
  for (const m of f.unlocked)
    undecided.push(
      `${m} has no lockfile beside it: an application should commit one (then add a \`lockfile\` check); a library often does not`,
    );
  const named = (w: WorkflowInfo) => `${w.path}${w.name ? ` ("${w.name}")` : ""}`;
  if (f.ci) found.push(`CI workflow: ${named(f.ci)}`);
  else missing.push("CI workflow: none runs on push or pull_request in .github/workflows/");
  if (f.otherCi.length > 0)
    undecided.push(
      `also run on changes: ${f.otherCi.map((w) => w.file).join(", ")}; to require them too, add a workflow check for each`,
    );
  for (const w of f.workflows.filter((x) => x.broken))
    undecided.push(`${w.path} is not valid YAML: not considered`);
  if (f.release) {
    found.push(`release workflow: ${named(f.release)}`);
    const has = (ok: boolean, what: string) => (ok ? found : missing).push(`${what} step in a workflow`);
    has(f.sbom, "SBOM");
    has(f.signing, "signing");
    has(f.provenance, "provenance");
  } else
    undecided.push(
      "no release workflow: how releases are made is not known, so readiness:supply-chain is not used (add it to extends if releases come from GitHub)",
    );
  if (!isService(f))
    undecided.push(
      f.dockerfile
        ? `whether this is a service you run (${f.dockerfile} builds an image): if it is, extend readiness:service`
        : "whether this is a service you run in production: if it is, extend readiness:service",
    );
  return { found, missing, undecided };
}
