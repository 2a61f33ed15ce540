// What a schema cannot say: regular expressions RE2 accepts, paths inside the repository, references between
// checks, categories and waivers, waiver expiry.
import { RE2JS, RE2JSSyntaxException } from "re2js";
import { compilePattern } from "../checks/common.js";
import { globProblem } from "../evidence/glob.js";
import { at, type PolicyError } from "./errors.js";
import type { OriginOf } from "./issues.js";
import { DEFAULT_CATEGORY, type Policy } from "./schema.js";
import { suggester } from "./suggest.js";
import { locate, type Path, type Source } from "./yaml-source.js";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Why a repository path (or glob) could reach outside the repository, or null. */
export function escapesRepository(p: string, root = "repository"): string | null {
  if (/^[/\\]/.test(p) || /^[A-Za-z]:/.test(p)) {
    return `${JSON.stringify(p)} is an absolute path; paths are relative to the ${root} root`;
  }
  // a `..` segment, also as a brace alternative: `{..,docs}/x`
  if (/(^|[/\\{,])\.\.($|[/\\},])/.test(p)) {
    return `${JSON.stringify(p)} leaves the ${root} (a ".." segment); paths are relative to the ${root} root`;
  }
  return null;
}

export function re2Problem(pattern: string): string | null {
  // As the check compiles it (multi-line, kept): `(?m)` before a pattern changes no syntax, so one compile
  // serves both, and only a refused pattern is compiled again, for this message.
  if (compilePattern(pattern).ok) return null;
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    const detail =
      e instanceof RE2JSSyntaxException
        ? e.message.replace(/^error parsing regexp: /, "")
        : e instanceof Error
          ? e.message
          : String(e);
    // RE2 matches in linear time, so it has no lookaround; its own message ("invalid named capture") hides that.
    const look = /\(\?<?[=!]/.exec(pattern);
    if (look)
      return `invalid RE2 regular expression: lookaround such as ${look[0]}…) is not supported: RE2 matches in linear time; use notContains to forbid a pattern, or match the surrounding text`;
    return `invalid RE2 regular expression: ${detail}`;
  }
}

/**
 * Ids that name a property every JavaScript object has: `__proto__` would silently vanish from the parsed
 * policy (a required check gone), the others would be found on any object. Refused rather than worked around.
 */
export function reservedId(id: string): boolean {
  return id === "prototype" || id in Object.prototype;
}

/** Checks on the values of one file (already shaped by its schema). */
export function checkValues(src: Source, data: unknown, errors: PolicyError[]): void {
  const report = (path: Path, message: string, where: "node" | "key" = "node") =>
    errors.push({ file: src.file, ...locate(src, path, where), message: at(path, message) });
  for (const map of ["checks", "categories"] as const) {
    const ids = isRecord(data) ? data[map] : undefined;
    if (!isRecord(ids)) continue;
    for (const id of Object.keys(ids)) {
      if (reservedId(id))
        report(
          [map, id],
          `${JSON.stringify(id)} cannot be a ${map === "checks" ? "check" : "category"} id: it is a reserved name (a property of every JavaScript object); choose another`,
          "key",
        );
    }
  }
  // Every glob is compiled as matching will compile it (RE2, bounded length): one refused there is refused here.
  const globs = (value: unknown, path: Path) => {
    const list = Array.isArray(value)
      ? value.map((v, i) => [v, [...path, i]] as const)
      : [[value, path] as const];
    for (const [g, where] of list) {
      const problem = typeof g === "string" ? globProblem(g) : null;
      if (problem) report(where, problem);
    }
  };
  const applies = isRecord(data) ? data.applies : undefined;
  if (isRecord(applies)) {
    const rule = applies.pullRequests;
    if (isRecord(rule)) {
      if (Array.isArray(rule.branches)) globs(rule.branches, ["applies", "pullRequests", "branches"]);
      if (Array.isArray(rule.headBranches)) {
        globs(rule.headBranches, ["applies", "pullRequests", "headBranches"]);
        // Whoever opens the PR names its head branch (a fork too): matching it may add a PR to the gate,
        // never decide alone which PRs are gated.
        const some = (v: unknown) => Array.isArray(v) && v.length > 0;
        if (rule.headBranches.length > 0 && !some(rule.branches) && !some(rule.labels))
          report(
            ["applies", "pullRequests", "headBranches"],
            "headBranches only adds pull requests to those `branches` or `labels` gate: alone, a pull request's author could leave the gate by naming the head branch otherwise. Add the base branches too, e.g. `branches: [main]`",
            "key",
          );
      }
    }
    if (Array.isArray(applies.environments)) globs(applies.environments, ["applies", "environments"]);
  }
  const checks = isRecord(data) ? data.checks : undefined;
  if (!isRecord(checks)) return;
  for (const [id, check] of Object.entries(checks)) {
    if (!isRecord(check)) continue;
    const base = ["checks", id];
    const file = check.file;
    if (isRecord(file)) {
      const paths = file.path;
      const list = Array.isArray(paths) ? paths.map((p, i) => [p, i] as const) : [[paths, null] as const];
      for (const [p, i] of list) {
        const problem = typeof p === "string" ? escapesRepository(p) : null;
        if (problem) report(i === null ? [...base, "file", "path"] : [...base, "file", "path", i], problem);
      }
      globs(paths, [...base, "file", "path"]);
      for (const key of ["contains", "notContains"] as const) {
        const pattern = file[key];
        if (typeof pattern !== "string") continue;
        const problem = re2Problem(pattern);
        if (problem) report([...base, "file", key], problem);
      }
    }
    const artifact = check.artifact;
    if (isRecord(artifact) && isRecord(artifact.json) && typeof artifact.json.file === "string") {
      const problem = escapesRepository(artifact.json.file, "artifact");
      if (problem) report([...base, "artifact", "json", "file"], problem);
    }
    const pr = check.pr;
    if (isRecord(pr) && Array.isArray(pr.changedFiles)) {
      pr.changedFiles.forEach((p, i) => {
        const problem = typeof p === "string" ? escapesRepository(p) : null;
        if (problem) report([...base, "pr", "changedFiles", i], problem);
      });
      globs(pr.changedFiles, [...base, "pr", "changedFiles"]);
    }
    const release = check.release;
    if (isRecord(release) && release.assets !== undefined)
      globs(release.assets, [...base, "release", "assets"]);
  }
}

export interface CrossCheckOptions {
  now?: Date;
  strict?: boolean;
  /** Whether a file's ids may be named in a message (suggestions): not those of another repository's files. */
  shown?: (file: string) => boolean;
}

/**
 * References across the whole (merged) policy: categories, waivers. Takes the parsed policy or, when the
 * policy has schema errors, its raw data (read defensively), so these are reported in the same pass.
 */
export function crossCheck(
  policy: Policy | unknown,
  origin: OriginOf,
  opts: CrossCheckOptions,
  errors: PolicyError[],
  warnings: PolicyError[],
): void {
  const report = (into: PolicyError[], path: Path, message: string) => {
    const o = origin(path);
    into.push({ file: o.src.file, ...locate(o.src, o.path), message: at(o.path, message) });
  };
  const data = isRecord(policy) ? policy : {};
  const declaredCategories = isRecord(data.categories) ? data.categories : {};
  const checks = isRecord(data.checks) ? data.checks : {};
  const waivers = Array.isArray(data.waivers) ? data.waivers : [];
  const waive = isRecord(data.commands) && isRecord(data.commands.waive) ? data.commands.waive : {};
  const rules = {
    maxDays: typeof waive.maxDays === "number" ? waive.maxDays : 30,
    minReasonLength: typeof waive.minReasonLength === "number" ? waive.minReasonLength : 10,
  };
  const suggestion = suggester();
  const shown = opts.shown ?? (() => true);
  const declared = new Set([...Object.keys(declaredCategories), DEFAULT_CATEGORY]);
  const categories = [...declared].filter(
    (id) => id === DEFAULT_CATEGORY || shown(origin(["categories", id]).src.file),
  );
  for (const [id, check] of Object.entries(checks)) {
    if (
      isRecord(check) &&
      check.weight === 0 &&
      check.required !== true &&
      shown(origin(["checks", id]).src.file)
    )
      report(
        warnings,
        ["checks", id, "weight"],
        "weight 0 takes the check out of the score, and without `required: true` its failure blocks nothing: add `required: true` to make it a gate item, or give it a weight",
      );
    const c = isRecord(check) ? check.category : undefined;
    if (typeof c === "string" && !declared.has(c)) {
      report(
        errors,
        ["checks", id, "category"],
        `unknown category ${JSON.stringify(c)}${suggestion(c, categories)}; declare it under categories or leave category out for ${DEFAULT_CATEGORY}`,
      );
    }
  }
  const ids = Object.keys(checks).filter(
    (id) => isRecord(checks[id]) && shown(origin(["checks", id]).src.file),
  );
  const levels = isRecord(data.levels) ? data.levels : {};
  const levelScores = new Map<number, string>();
  for (const [name, level] of Object.entries(levels)) {
    const min = typeof level === "number" ? level : isRecord(level) ? level.minScore : undefined;
    if (typeof min === "number") {
      const same = levelScores.get(min);
      if (same !== undefined)
        report(
          errors,
          ["levels", name],
          `levels ${JSON.stringify(same)} and ${JSON.stringify(name)} both need ${min}; give each level its own minScore`,
        );
      else levelScores.set(min, name);
    }
    const require = isRecord(level) && Array.isArray(level.require) ? level.require : [];
    require.forEach((id: unknown, i: number) => {
      if (typeof id === "string" && !isRecord(Object.hasOwn(checks, id) ? checks[id] : undefined))
        report(
          errors,
          ["levels", name, "require", i],
          `no check ${JSON.stringify(id)} in this policy${suggestion(id, ids)}`,
        );
    });
  }
  const now = opts.now?.getTime();
  waivers.forEach((w: unknown, i: number) => {
    if (!isRecord(w) || typeof w.check !== "string") return;
    const name = w.check;
    const check = Object.hasOwn(checks, name) ? checks[name] : undefined;
    if (!isRecord(check)) {
      report(
        errors,
        ["waivers", i, "check"],
        `no check ${JSON.stringify(name)} in this policy${suggestion(name, ids)}`,
      );
      return;
    }
    if (check.waivable === false) {
      report(
        warnings,
        ["waivers", i, "check"],
        `check ${JSON.stringify(name)} is not waivable, so this waiver is ignored`,
      );
    }
    const expires = typeof w.expires === "string" ? w.expires : null;
    if (
      expires &&
      now !== undefined &&
      Number.isFinite(now) &&
      now > Date.parse(`${expires}T23:59:59.999Z`)
    ) {
      if (opts.strict) report(errors, ["waivers", i, "expires"], `the waiver expired on ${expires}`);
      else
        report(warnings, ["waivers", i, "expires"], `the waiver expired on ${expires} and no longer applies`);
    } else if (expires && now !== undefined && Number.isFinite(now)) {
      // A waiver in the file passes review, not the command's rules; say where it goes beyond them, so a
      // 6-year waiver with the reason "later" is a decision someone saw rather than one that slipped by.
      const days = Math.ceil((Date.parse(`${expires}T23:59:59.999Z`) - now) / 86_400_000);
      if (days > rules.maxDays)
        report(
          warnings,
          ["waivers", i, "expires"],
          `the waiver runs ${days} days from now, beyond the ${rules.maxDays} days commands.waive.maxDays allows a /readiness waive`,
        );
    }
    const reason = typeof w.reason === "string" ? w.reason.trim() : "";
    if (reason.length > 0 && reason.length < rules.minReasonLength)
      report(
        warnings,
        ["waivers", i, "reason"],
        `the reason is ${reason.length} characters, shorter than the ${rules.minReasonLength} commands.waive.minReasonLength asks of a /readiness waive`,
      );
  });
}
