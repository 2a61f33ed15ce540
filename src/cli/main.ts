// The readiness command: arguments in, report out. Parsing and printing only; the work is in policy/, evidence/,
// engine/ and report/. The GitHub provider and the App (for `reconcile`) are imported on demand, so a local
// run never loads Octokit or Probot.
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { Writable } from "node:stream";
import type { Report } from "../engine/types.js";
import type { CliGitHubEvidence } from "../evidence/github/cli.js";
import { LocalEvidence, localTarget } from "../evidence/local/provider.js";
import type { EvidenceProvider, Target } from "../evidence/types.js";
import type { LoadOptions, PolicyError } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import { type Command, HELP, parseCommandLine, USAGE } from "./args.js";
import { enclosingPolicyRoot, POLICY_NAMES } from "./repo-root.js";

// Policy, engine and reports hold most of the code (zod, yaml, re2js): loaded once a run needs them, so a
// local check has git listing the files while they load.
const pipeline = () => import("./pipeline.js");

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Imports one of the modules that are never bundled (the App's, the GitHub provider: Octokit, Probot), a
   * path relative to this module in tsc's dist/. bin/load-cli.js passes its own: the bundle runs as a
   * vm.Script, where import() needs a callback that Node 20 still calls experimental.
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** `load()`, or the same module through io.importModule when the loader gives one. */
function notBundled<T>(io: CliIo, specifier: string, load: () => Promise<T>): Promise<T> {
  return io.importModule ? (io.importModule(specifier) as Promise<T>) : load();
}

export const EXIT = { go: 0, noGo: 1, usage: 2, incomplete: 3 } as const;

/** A failure the user can act on: one message, one exit code, never a stack trace. */
class UserError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const out = (s: string) => void io.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
  const err = (s: string) => void io.stderr.write(s.endsWith("\n") ? s : `${s}\n`);
  try {
    const parsed = parseCommandLine(argv);
    if (!parsed.ok) {
      err(`readiness: ${parsed.message}\n${USAGE}\nRun 'readiness --help' for details.`);
      return EXIT.usage;
    }
    return await run(parsed.command, io, out, err);
  } catch (e) {
    if (e instanceof UserError) {
      err(`readiness: ${e.message}`);
      return e.code;
    }
    err(`readiness: internal error: ${oneLine(e)}`);
    if (io.env.READINESS_DEBUG && e instanceof Error && e.stack) err(e.stack);
    return EXIT.incomplete;
  }
}

async function run(
  command: Command,
  io: CliIo,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  switch (command.name) {
    case "help":
      out(HELP[command.topic ?? "main"]);
      return 0;
    case "version":
      out(await version());
      return 0;
    case "schema": {
      const { renderPolicyJsonSchema } = await import("../policy/json-schema.js");
      out(renderPolicyJsonSchema());
      return 0;
    }
    case "validate": {
      const file = await findPolicy(io.cwd, command.file, io.cwd);
      const text = await readPolicyFile(file, io.cwd);
      const result = await loadAndReport(
        text,
        display(file, io.cwd),
        // An expired waiver is a warning (a date passing breaks no policy) unless --strict.
        { now: command.now ?? new Date(), strict: command.strict === true },
        err,
      );
      if (!result) return EXIT.usage;
      const checks = Object.keys(result.checks).length;
      const categories = Object.keys(result.categories).length;
      out(
        `${display(file, io.cwd)}: valid (${checks} check${checks === 1 ? "" : "s"}, ${categories} categor${categories === 1 ? "y" : "ies"})`,
      );
      return 0;
    }
    case "check":
      return check(command, io, out, err);
    case "init": {
      const { init } = await import("./init.js");
      return init(command, io, out, (message, code) => new UserError(message, code));
    }
    case "reconcile": {
      const { reconcileMain } = await notBundled(
        io,
        "../app/reconcile-cli.js",
        () => import("../app/reconcile-cli.js"),
      );
      return reconcileMain(command.args, { stdout: io.stdout, stderr: io.stderr, env: io.env });
    }
  }
}

async function check(
  command: Extract<Command, { name: "check" }>,
  io: CliIo,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let dir = resolve(io.cwd, command.dir ?? ".");
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UserError(`not a directory: ${command.dir ?? dir}`, EXIT.usage);
  const now = command.now ?? new Date();
  let project = command.project;
  // A project's directory of a monorepo: judged as a pull request touching it would be, from the root.
  if (!command.github && command.policy === undefined && project === undefined) {
    const { enclosingProject } = await import("./projects.js");
    const found = await enclosingProject(dir);
    if (found) ({ root: dir, project } = found);
    else if (command.dir === undefined && !(await hasPolicy(dir))) {
      // Run from a subdirectory: the repository's policy judges the repository, as git finds its root.
      const root = await enclosingPolicyRoot(dir);
      if (root) dir = root;
    }
  }

  let provider: EvidenceProvider;
  let target: Target;
  let policy: Policy | null;
  let gh: CliGitHubEvidence | undefined;
  let located: { text: string; path: string } | undefined;
  if (command.github) {
    gh = await gitHubEvidence(command.github, now, io, err);
    ({ provider, target } = gh);
    policy = await gitHubPolicy(gh, command, io, now, err);
  } else {
    const file = await findPolicy(dir, command.policy, io.cwd);
    // git lists the files (the slowest step of a large checkout) while the policy is read and parsed.
    // The engine's clock, so freshness windows are cut where the checks read them.
    const local = new LocalEvidence(dir, { now: () => now });
    local.prefetch();
    const head = localTarget(dir);
    const text = await readPolicyFile(file, io.cwd);
    policy = await loadAndReport(text, display(file, io.cwd), { now }, err);
    // Annotations point at the policy's lines by a path relative to the checkout.
    const rel = relative(dir, file);
    if (!rel.startsWith("..") && !isAbsolute(rel)) located = { text, path: rel.split("\\").join("/") };
    provider = local;
    target = await head;
  }
  if (!policy) return EXIT.usage;

  const { runEvaluation } = await pipeline();
  // Only the format asked for is loaded.
  const render = renderer(command.format);
  if (project !== undefined && !policy.projects)
    throw new UserError(`--project ${project}: the policy declares no projects`, EXIT.usage);
  let report: Report;
  try {
    if (policy.projects) {
      const { readProjectPolicies, runWithProjects } = await import("./projects.js");
      const read = command.github
        ? (path: string) => gh!.fetchRemote({ ...command.github!, path })
        : (path: string) => readFile(resolve(dir, path), "utf8").catch(() => null);
      const projects = await readProjectPolicies({
        patterns: policy.projects,
        provider,
        target,
        read,
        load: (text, label) =>
          loadAndReport(text, label, { now, ...(gh ? { fetchRemote: gh.fetchRemote } : {}) }, err),
        ...(project !== undefined ? { only: project } : {}),
      });
      if ("unknown" in projects) throw new UserError(projects.unknown, EXIT.usage);
      report = await runWithProjects({ policy, provider, target, now, projects });
    } else report = await runEvaluation({ policy, provider, target, now });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`could not collect evidence from ${provider.name}: ${oneLine(e)}`, EXIT.incomplete);
  }

  out(
    await (await render)(report, {
      title: policy.gate.checkName,
      color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR,
      located,
      ...(command.onlyFailing ? { onlyFailing: true } : {}),
      ...(command.quiet ? { quiet: true } : {}),
    }),
  );
  // warn: the verdict is reported, never enforced, so CI does not fail on it.
  if (report.mode === "warn") return EXIT.go;
  // Incomplete but conclusive (a required check failed definitely...) is a NO-GO, not "could not tell".
  if (report.incomplete && !report.conclusive) return EXIT.incomplete;
  return report.verdict === "go" ? EXIT.go : EXIT.noGo;
}

interface RenderOptions {
  title: string;
  color: boolean;
  /** The policy's text and path in the checkout, so annotations can point at a check's line. */
  located: { text: string; path: string } | undefined;
  onlyFailing?: boolean;
  quiet?: boolean;
}
type Render = (report: Report, opts: RenderOptions) => string | Promise<string>;

function renderer(format: Extract<Command, { name: "check" }>["format"]): Promise<Render> {
  switch (format) {
    case "json":
      return import("../report/json.js").then((m) => (r) => m.renderJson(r));
    case "markdown":
      return import("../report/markdown.js").then((m) => (r, o) => m.renderMarkdown(r, { title: o.title }));
    case "comment":
      // The App's own function, with the title it passes (the check run's name).
      return import("../report/markdown.js").then((m) => (r, o) => m.renderComment(r, { title: o.title }));
    case "github":
    case "sarif":
      return Promise.all([
        import("../policy/positions.js"),
        format === "github" ? import("../report/github.js") : import("../report/sarif.js"),
      ]).then(([positions, m]) => async (r, o) => {
        const where = o.located ? { policy: positions.policyPositions(o.located.text, o.located.path) } : {};
        return "renderGithub" in m
          ? m.renderGithub(r, where)
          : m.renderSarif(r, { ...where, toolVersion: await version() });
      });
    default:
      return import("../report/text.js").then(
        (m) => (r, o) =>
          m.renderText(r, {
            color: o.color,
            ...(o.onlyFailing ? { onlyFailing: true } : {}),
            ...(o.quiet ? { quiet: true } : {}),
          }),
      );
  }
}

async function hasPolicy(dir: string): Promise<boolean> {
  for (const name of POLICY_NAMES)
    if ((await stat(resolve(dir, name)).catch(() => null))?.isFile()) return true;
  return false;
}

/** The explicit file, else the first of .readiness.yml and .github/readiness.yml in dir. */
async function findPolicy(dir: string, explicit: string | undefined, cwd: string): Promise<string> {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    const info = await stat(file).catch(() => null);
    if (!info) throw new UserError(`policy file not found: ${explicit}`, EXIT.usage);
    if (!info.isFile()) throw new UserError(`policy is not a file: ${explicit}`, EXIT.usage);
    return file;
  }
  for (const name of POLICY_NAMES) {
    const file = resolve(dir, name);
    if ((await stat(file).catch(() => null))?.isFile()) return file;
  }
  const where = POLICY_NAMES.map((n) => display(resolve(dir, n), cwd)).join(" or ");
  throw new UserError(
    `no policy found: looked for ${where}. Run 'readiness init' to write one for this checkout, or pass --policy FILE.`,
    EXIT.usage,
  );
}

/** Path as the user would type it: relative to where they stand when that is shorter. */
function display(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

async function readPolicyFile(file: string, cwd: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${display(file, cwd)}: ${(e as Error).message}`, EXIT.usage);
  }
}

/** Loads and validates; prints warnings, and errors as file:line:column: message. Null when invalid. */
async function loadAndReport(
  text: string,
  label: string,
  opts: LoadOptions,
  err: (s: string) => void,
): Promise<Policy | null> {
  const { formatPolicyError, loadPolicy } = await pipeline();
  const result = await loadPolicy(text, label, opts);
  if (!result.ok) {
    const all = [...result.errors.map((e) => ({ e, text: formatPolicyError(e) }))];
    for (const w of result.warnings ?? []) all.push({ e: w, text: warning(w) });
    // one list in file order, so a warning stands next to the error it explains
    all.sort((a, b) => (a.e.file === b.e.file ? a.e.line - b.e.line || a.e.column - b.e.column : 0));
    for (const { text } of all) err(text);
    const n = result.errors.length;
    err(`readiness: ${label} is not a valid policy (${n} error${n === 1 ? "" : "s"})`);
    return null;
  }
  for (const w of result.warnings) err(warning(w));
  return result.policy;
}

const warning = (w: PolicyError): string => `${w.file}:${w.line}:${w.column}: warning: ${w.message}`;

async function gitHubEvidence(
  where: { owner: string; repo: string; ref: string },
  now: Date,
  io: CliIo,
  err: (s: string) => void,
): Promise<CliGitHubEvidence> {
  const env = io.env;
  const token = env.GITHUB_TOKEN || undefined;
  if (!token)
    err("readiness: GITHUB_TOKEN is not set: anonymous requests see public repositories only, 60 an hour");
  // The same setting, and the same rules, as the App's (GitHub Actions sets it in every job).
  const { DEFAULT_API_URL, parseApiUrl } = await notBundled(
    io,
    "../app/config.js",
    () => import("../app/config.js"),
  );
  const api = env.GITHUB_API_URL?.trim() ? parseApiUrl(env.GITHUB_API_URL) : { url: DEFAULT_API_URL };
  if ("problem" in api) throw new UserError(api.problem, EXIT.usage);
  const baseUrl = api.url;
  // Loaded here, not at the top: a local run must not pay for Octokit.
  const { createCliGitHubEvidence } = await notBundled(
    io,
    "../evidence/github/cli.js",
    () => import("../evidence/github/cli.js"),
  );
  try {
    return await createCliGitHubEvidence({ ...where, baseUrl, now, ...(token ? { token } : {}) });
  } catch (e) {
    throw new UserError(`${where.owner}/${where.repo}@${where.ref}: ${oneLine(e)}`, EXIT.incomplete);
  }
}

/** --policy when given, else the policy the App would use, read from GitHub. */
async function gitHubPolicy(
  gh: CliGitHubEvidence,
  command: Extract<Command, { name: "check" }>,
  io: CliIo,
  now: Date,
  err: (s: string) => void,
): Promise<Policy | null> {
  const opts: LoadOptions = { now, fetchRemote: gh.fetchRemote };
  if (command.policy !== undefined) {
    const file = await findPolicy(io.cwd, command.policy, io.cwd);
    return loadAndReport(await readPolicyFile(file, io.cwd), display(file, io.cwd), opts, err);
  }
  let source: Awaited<ReturnType<CliGitHubEvidence["findPolicy"]>>;
  try {
    source = await gh.findPolicy();
  } catch (e) {
    throw new UserError(`could not read the policy from GitHub: ${oneLine(e)}`, EXIT.incomplete);
  }
  if (!source) {
    const { owner, repo } = command.github!;
    throw new UserError(
      `no policy found in ${owner}/${repo} (.readiness.yml or .github/readiness.yml) or its organisation's .github repository; pass --policy FILE`,
      EXIT.usage,
    );
  }
  return loadAndReport(source.text, `${source.repo}:${source.path}`, opts, err);
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

async function version(): Promise<string> {
  // src/cli and dist/cli both sit two levels below package.json.
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
