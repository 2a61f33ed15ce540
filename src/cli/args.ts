// Command-line arguments → a command, or a usage error as a value. Pure: no I/O.
import { parseArgs } from "node:util";

export type Format = "text" | "markdown" | "json" | "comment" | "sarif" | "github";
export const FORMATS: readonly Format[] = ["text", "markdown", "json", "comment", "sarif", "github"];

export type Command =
  | { name: "help"; topic?: "check" | "validate" | "schema" | "init" }
  | { name: "version" }
  | {
      name: "check";
      dir?: string;
      policy?: string;
      /** Monorepo: judge the root policy and this project only (a directory the policy's `projects` declares). */
      project?: string;
      format: Format;
      now?: Date;
      /** Text format: only checks that do not pass. */
      onlyFailing?: boolean;
      /** Text format: the verdict line alone. */
      quiet?: boolean;
      github?: { owner: string; repo: string; ref: string };
    }
  | { name: "validate"; file?: string; now?: Date; strict?: boolean }
  /** Writes a starting .readiness.yml for the checkout in dir (src/cli/init.ts). */
  | { name: "init"; dir?: string; force?: boolean }
  | { name: "schema" }
  /** The App's reconcile pass; its arguments are parsed by src/app/reconcile-cli.ts, loaded only then. */
  | { name: "reconcile"; args: string[] };

export type Parsed = { ok: true; command: Command } | { ok: false; message: string };

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 date or date-time. A date alone is midnight UTC; a time without a zone is UTC, so the same
 * command gives the same answer on every machine.
 */
export function parseNow(value: string): Date | null {
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [, date, time, zone] = m;
  const text = time ? `${date}T${time}${zone ? zone.toUpperCase() : "Z"}` : `${date}T00:00:00Z`;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return null;
  // Reject dates JavaScript would roll over (2025-02-30 → March 2).
  if (new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return null;
  return d;
}

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

function fail(message: string): Parsed {
  return { ok: false, message };
}

function parse(
  args: string[],
  options: Record<string, { type: "string" | "boolean"; short?: string }>,
  maxPositionals: number,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | string {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" }, ...options },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > maxPositionals) return `unexpected argument '${positionals[maxPositionals]}'`;
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    // parseArgs errors are worded for users; drop its advice about '--', which is noise here.
    return (e as Error).message.replace(/\. To specify a positional argument.*$/s, "").replace(/\.$/, "");
  }
}

export function parseCommandLine(argv: string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) return fail("no command given");
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = rest[0];
    if (topic === "check" || topic === "validate" || topic === "schema" || topic === "init")
      return { ok: true, command: { name: "help", topic } };
    if (topic === "reconcile") return { ok: true, command: { name: "reconcile", args: ["--help"] } };
    return { ok: true, command: { name: "help" } };
  }
  if (first === "--version" || first === "-V" || first === "version")
    return { ok: true, command: { name: "version" } };

  switch (first) {
    case "check": {
      const p = parse(
        rest,
        {
          policy: { type: "string", short: "p" },
          format: { type: "string", short: "f" },
          now: { type: "string" },
          repo: { type: "string" },
          ref: { type: "string" },
          project: { type: "string" },
          "only-failing": { type: "boolean" },
          quiet: { type: "boolean", short: "q" },
        },
        1,
      );
      if (typeof p === "string") return fail(p);
      const v = p.values;
      if (v.help) return { ok: true, command: { name: "help", topic: "check" } };
      const format = (v.format as string | undefined) ?? "text";
      if (!FORMATS.includes(format as Format))
        return fail(`--format must be one of ${FORMATS.join(", ")}, not '${format}'`);
      const command: Extract<Command, { name: "check" }> = { name: "check", format: format as Format };
      if (p.positionals[0] !== undefined) command.dir = p.positionals[0];
      if (v["only-failing"] || v.quiet) {
        if (format !== "text") return fail("--only-failing and --quiet shape the text format only");
        if (v["only-failing"]) command.onlyFailing = true;
        if (v.quiet) command.quiet = true;
      }
      if (typeof v.policy === "string") command.policy = v.policy;
      if (typeof v.project === "string") command.project = v.project.replace(/^\.\/|\/+$/g, "");
      if (typeof v.now === "string") {
        const now = parseNow(v.now);
        if (!now)
          return fail(
            `--now must be an ISO-8601 date or time (2025-03-01, 2025-03-01T12:00:00Z), not '${v.now}'`,
          );
        command.now = now;
      }
      const repo = v.repo as string | undefined;
      const ref = v.ref as string | undefined;
      if (repo !== undefined || ref !== undefined) {
        if (repo === undefined || ref === undefined) return fail("--repo and --ref go together");
        const m = REPO.exec(repo);
        if (!m) return fail(`--repo must be OWNER/NAME, not '${repo}'`);
        if (ref.trim() === "") return fail("--ref must not be empty");
        command.github = { owner: m[1]!, repo: m[2]!, ref };
      }
      return { ok: true, command };
    }
    case "validate": {
      const p = parse(rest, { now: { type: "string" }, strict: { type: "boolean" } }, 1);
      if (typeof p === "string") return fail(p);
      if (p.values.help) return { ok: true, command: { name: "help", topic: "validate" } };
      const command: Extract<Command, { name: "validate" }> = { name: "validate" };
      if (p.positionals[0] !== undefined) command.file = p.positionals[0];
      if (p.values.strict === true) command.strict = true;
      if (typeof p.values.now === "string") {
        const now = parseNow(p.values.now);
        if (!now) return fail(`--now must be an ISO-8601 date or time, not '${p.values.now}'`);
        command.now = now;
      }
      return { ok: true, command };
    }
    case "init": {
      const p = parse(rest, { force: { type: "boolean" } }, 1);
      if (typeof p === "string") return fail(p);
      if (p.values.help) return { ok: true, command: { name: "help", topic: "init" } };
      const command: Extract<Command, { name: "init" }> = { name: "init" };
      if (p.positionals[0] !== undefined) command.dir = p.positionals[0];
      if (p.values.force === true) command.force = true;
      return { ok: true, command };
    }
    case "reconcile":
      return { ok: true, command: { name: "reconcile", args: rest } };
    case "schema": {
      const p = parse(rest, {}, 0);
      if (typeof p === "string") return fail(p);
      if (p.values.help) return { ok: true, command: { name: "help", topic: "schema" } };
      return { ok: true, command: { name: "schema" } };
    }
    default:
      return fail(first.startsWith("-") ? `unknown option '${first}'` : `unknown command '${first}'`);
  }
}

export const USAGE = `Usage:
  readiness init [DIR] [--force]
  readiness check [DIR] [--policy FILE] [--format text|markdown|json|comment|sarif|github]
                  [--now ISO-8601] [--only-failing] [--quiet] [--project DIR] [--repo OWNER/NAME --ref REF]
  readiness validate [FILE] [--now ISO-8601] [--strict]
  readiness schema
  readiness reconcile [--repo OWNER/NAME] [--installation ID] [--dry-run]
  readiness --help | --version`;

export const HELP: Record<"main" | "check" | "validate" | "schema" | "init", string> = {
  main: `readiness: a release gate. Evaluates .readiness.yml against evidence and says GO or NO-GO.

${USAGE}

Commands:
  init      Look at a checkout and write a starting .readiness.yml for it.
  check     Evaluate the policy on a checkout and print the report.
  validate  Check a policy file strictly, without evaluating it.
  schema    Print the JSON Schema of .readiness.yml (for editors).
  reconcile Re-evaluate, as the GitHub App, open release pull requests whose result can change with time
            (waivers that expire, maxAgeDays) or whose check run was missed. Reads the App's settings
            (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GITHUB_API_URL); for a cron job.

Exit codes: 0 GO · 1 NO-GO or pending · 2 invalid policy or usage · 3 could not tell.
reconcile: 0 done · 1 some repositories could not be reconciled, or GitHub unreachable · 2 usage or settings error
           (also credentials or an API URL GitHub rejects).
Run 'readiness check --help' for the options of a command.`,
  check: `Usage: readiness check [DIR] [options]

Evaluates the policy on DIR (default: the current directory; in a subdirectory without a policy, the
repository's policy above it, as git finds its root) and prints the report.

Options:
  -p, --policy FILE    The policy. Default: DIR/.readiness.yml, else DIR/.github/readiness.yml.
  -f, --format FORMAT  text (default), markdown (the check run's summary), comment (the pull request
                       comment the App posts), json (the contract in docs/report-format.md),
                       sarif (SARIF 2.1.0, for code scanning) or github (workflow commands:
                       ::error/::warning lines GitHub Actions turns into annotations).
      --project DIR    Monorepo (the policy declares \`projects\`): the root policy and this project's
                       only. Default: every project. Run in a project's directory, the same.
      --only-failing   Text: list only the checks that do not pass.
  -q, --quiet          Text: print the verdict line alone.
      --now ISO-8601   Evaluate as of this time (2025-03-01 or 2025-03-01T12:00:00Z; no zone means UTC).
      --repo OWNER/NAME, --ref REF
                       Take evidence from GitHub for that commit instead of the checkout
                       (REF: branch, tag, SHA or pull/N; token from GITHUB_TOKEN, API from
                       GITHUB_API_URL). The policy is --policy FILE, else the one the App would
                       use, read from GitHub.

Colour: on when stdout is a terminal, off when NO_COLOR is set.
Exit codes: 0 GO · 1 NO-GO or pending · 2 invalid policy or usage · 3 could not tell (missing evidence could change the verdict;
with --repo also a token GitHub rejects, a permission it lacks, or GitHub unreachable: one line says which).
With gate.mode: warn the verdict is printed as usual and the exit code is 0 (2 still for an invalid policy).`,
  validate: `Usage: readiness validate [FILE] [--now ISO-8601] [--strict]

Checks a policy (default: .readiness.yml, else .github/readiness.yml) without evaluating it. Prints every
problem as file:line:column: message. A waiver past its expiry is a warning (a date passing is not a broken
policy); with --strict it is an error. Exit 0 when valid, 2 when not.`,
  init: `Usage: readiness init [DIR] [--force]

Looks at the checkout in DIR (default: the current directory): README, LICENSE, SECURITY.md, CODEOWNERS,
changelog, docs/, Dockerfile, lockfiles, GitHub workflows (CI, release, SBOM steps). Writes DIR/.readiness.yml,
commented, extending the preset that fits, with checks only GitHub can answer limited to the App's contexts so
that a local 'readiness check' gives a verdict from the files. Prints what it found and what it left to you.
Never replaces an existing policy unless --force is given.`,
  schema: `Usage: readiness schema

Prints the JSON Schema of .readiness.yml. Editors use it through
  # yaml-language-server: $schema=./schema/readiness.schema.json`,
};
