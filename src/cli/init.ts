// `readiness init [DIR]`: reads the checkout the way `readiness check` does (git's file list, the workflow
// files), writes the policy src/policy/starter.ts drafts from it, and shows the first local verdict.
import { open, stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { runEvaluation } from "../engine/run.js";
import type { FileIndex } from "../evidence/file-index.js";
import { LocalEvidence, localTarget } from "../evidence/local/provider.js";
import { type Need, needKey } from "../evidence/types.js";
import { formatPolicyError, loadPolicy } from "../policy/load.js";
import {
  describeFindings,
  detect,
  draftPolicy,
  presetsFor,
  readWorkflow,
  WORKFLOW_FILE,
} from "../policy/starter.js";
import { fmtScore, headlineParts, VERDICT_LABEL } from "../report/common.js";
import type { Command } from "./args.js";
import type { CliIo } from "./main.js";
import { enclosingPolicyRoot } from "./repo-root.js";

/** Workflow files read, at most: a repository with more has its CI among the first listed anyway. */
const MAX_WORKFLOWS = 50;
const NAMES = [".readiness.yml", ".github/readiness.yml"];

export async function init(
  command: Extract<Command, { name: "init" }>,
  io: CliIo,
  out: (s: string) => void,
  fail: (message: string, code: number) => Error,
): Promise<number> {
  const dir = resolve(io.cwd, command.dir ?? ".");
  if (!(await stat(dir).catch(() => null))?.isDirectory())
    throw fail(`not a directory: ${command.dir ?? dir}`, 2);
  if (!command.force) {
    for (const name of NAMES) {
      if (await stat(resolve(dir, name)).catch(() => null))
        throw fail(`${name} already exists in ${command.dir ?? "."}: not replaced (--force replaces it)`, 2);
    }
    // In a subdirectory of a repository that has a policy: a second, partial policy is rarely what is meant.
    const root = await enclosingPolicyRoot(dir);
    if (root)
      throw fail(
        `${relative(io.cwd, root) || "."} already holds this repository's policy: 'readiness check' uses it from here. To write a policy for this directory anyway (a monorepo project), pass --force`,
        2,
      );
  }
  const now = new Date();
  const local = new LocalEvidence(dir);
  const target = await localTarget(dir);
  const filesNeed: Need = { type: "files" };
  const listed = (await local.collect([filesNeed], target)).get(needKey(filesNeed));
  if (listed?.state !== "ok")
    throw fail(`cannot list the files of ${dir}: ${listed?.reason ?? "no answer"}`, 3);
  const paths = (listed.value as FileIndex).paths;
  const workflowNeeds: Need[] = paths
    .filter((p) => WORKFLOW_FILE.test(p))
    .slice(0, MAX_WORKFLOWS)
    .map((path) => ({ type: "content", path }));
  const texts = await local.collect(workflowNeeds, target);
  const workflows = workflowNeeds.flatMap((n) => {
    const fact = texts.get(needKey(n));
    const path = (n as { path: string }).path;
    return fact?.state === "ok" && typeof fact.value === "string" ? [readWorkflow(path, fact.value)] : [];
  });

  const findings = detect(paths, workflows);
  const text = draftPolicy(findings, now.toISOString().slice(0, 10));
  // What init writes must load as it is: a draft that does not is a bug here, not the user's to fix.
  const loaded = await loadPolicy(text, ".readiness.yml", { now, strict: true });
  if (!loaded.ok)
    throw new Error(`the drafted policy is invalid: ${loaded.errors.map(formatPolicyError).join("; ")}`);

  const file = resolve(dir, ".readiness.yml");
  const handle = await open(file, command.force ? "w" : "wx").catch((e: NodeJS.ErrnoException) => {
    throw fail(
      e.code === "EEXIST" ? ".readiness.yml already exists: not replaced (--force replaces it)" : e.message,
      2,
    );
  });
  try {
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }

  const policy = loaded.policy;
  const checks = Object.values(policy.checks);
  const leftToGitHub = checks.filter((c) => c.contexts && !c.contexts.includes("local")).length;
  const report = await runEvaluation({ policy, provider: local, target, now });
  const { found, missing, undecided } = describeFindings(findings);
  const where = command.dir ? `${command.dir.replace(/\/+$/, "")}/.readiness.yml` : ".readiness.yml";
  const lines = [
    `Wrote ${where}: extends ${presetsFor(findings).join(", ")}; ${checks.length} checks, ${leftToGitHub} of them evaluated on GitHub only (the App, or readiness check --repo).`,
    "",
    "Found:",
    ...found.map((s) => `  ✓ ${s}`),
  ];
  if (missing.length > 0)
    lines.push("", "Not found (the matching checks fail until added):", ...missing.map((s) => `  ✗ ${s}`));
  if (undecided.length > 0) lines.push("", "Left to you:", ...undecided.map((s) => `  ? ${s}`));
  const parts = headlineParts(report);
  lines.push(
    "",
    `First local run: ${VERDICT_LABEL[report.verdict]} · ${fmtScore(report.score)}/100 (needs ${report.minScore})${parts.length ? ` · ${parts.join(" · ")}` : ""}`,
  );
  const blocking = report.checks.filter((c) => report.blocking.includes(c.id));
  for (const c of blocking.slice(0, 8)) lines.push(`  ${c.id}: ${c.summary}`);
  lines.push(
    "",
    `Next: review ${where}, run 'readiness check${command.dir ? ` ${command.dir}` : ""}', commit it; CI: docs/ci.md.`,
  );
  out(lines.join("\n"));
  return 0;
}
