import type { RE2JS } from "re2js";
import { z } from "zod";
import { type FileIndex, isGlob } from "../evidence/file-index.js";
import { type Facts, MAX_CONTENT_BYTES, type Need, type NeedOf } from "../evidence/types.js";
import {
  ageMs,
  capLines,
  compilePattern,
  DAY_MS,
  describeAge,
  failed,
  fileUrl,
  globList,
  inFuture,
  joinAnd,
  link,
  type Part,
  passed,
  plural,
  settle,
  toList,
  unknownResult,
  withinDays,
} from "./common.js";
import { ALL_CONTEXTS, defineKind, type EvidenceLink, type FileLocation } from "./types.js";

/**
 * Reading the text of every file a broad glob matches would cost a request each on GitHub; past the
 * provider's budget (FileIndex.reads: 50 on GitHub, 5,000 in a checkout) we stop. Ages are not counted:
 * every match's age is asked (the newest decides), and providers answer them in bulk.
 */
export { DEFAULT_READS as MAX_READS_PER_ENTRY } from "../evidence/file-index.js";

const schema = () =>
  z
    .strictObject({
      path: globList().describe("A path or glob (dot-directories included), or a list of them."),
      minBytes: z.number().int().min(0).optional().describe("Smallest acceptable size in bytes."),
      contains: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Regular expression (RE2 syntax, linear time; ^ and $ match at line boundaries) the file must contain.",
        ),
      maxAgeDays: z
        .number()
        .positive()
        .optional()
        .describe("The last commit touching the file must be at most this many days old."),
      every: z
        .boolean()
        .optional()
        .describe(
          "Each file matching the glob must meet the conditions, not just one. No match fails unless `allowNone`.",
        ),
      notContains: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Regular expression (RE2) no matching file may contain: the check fails naming the file and line. No match fails unless `allowNone`.",
        ),
      absent: z
        .boolean()
        .optional()
        .describe("The check passes only when no file matches: it fails naming the files that do."),
      allowNone: z
        .boolean()
        .optional()
        .describe("With `every` or `notContains`: pass when no file matches, instead of failing."),
    })
    .refine(
      (p) =>
        !p.absent ||
        [p.contains, p.minBytes, p.maxAgeDays, p.every, p.notContains, p.allowNone].every(
          (v) => v === undefined,
        ),
      {
        message:
          "`absent: true` forbids the path outright: it takes no contains, notContains, minBytes, maxAgeDays, every or allowNone",
        path: ["absent"],
      },
    )
    .refine((p) => p.allowNone === undefined || p.every === true || p.notContains !== undefined, {
      message: "`allowNone` applies with `every: true` or `notContains` only",
      path: ["allowNone"],
    });
type Params = z.output<ReturnType<typeof schema>>;

/** Whether some path may need its content read (readsOf). */
const readsContent = (params: Params): boolean =>
  params.contains !== undefined || params.notContains !== undefined || params.minBytes !== undefined;

/**
 * The check asks nothing of a matching file but that it is listed: every match then has the same outcome
 * (ok, nothing noted), so the one named is the first in path order (see nearer).
 */
const asksNothing = (params: Params): boolean => !readsContent(params) && params.maxAgeDays === undefined;

/** Which facts one path needs beyond the file index. */
function readsOf(params: Params, files: FileIndex, path: string): { content: boolean; age: boolean } {
  return {
    content:
      params.contains !== undefined ||
      params.notContains !== undefined ||
      (params.minBytes !== undefined && files.bytes(path) === undefined),
    age: params.maxAgeDays !== undefined,
  };
}

/** The matching paths a check looks at: all of them, except those past the content budget. needs() and evaluate() must agree. */
function plan(params: Params, files: FileIndex, entry: string): { matches: string[]; checked: string[] } {
  const matches = files.match(entry);
  // Nothing to read: every match is looked at (a copy: the index keeps its matches).
  if (!readsContent(params)) return { matches, checked: matches.slice() };
  const checked: string[] = [];
  let reads = 0;
  for (const path of matches) {
    if (readsOf(params, files, path).content) {
      if (reads >= files.reads) continue;
      reads++;
    }
    checked.push(path);
  }
  return { matches, checked };
}

/** `within` lets a provider settle the limit with a bound rather than the exact date (see the Need). */
const ageNeed = (path: string, limit: number): NeedOf<"lastChanged"> => ({
  type: "lastChanged",
  path,
  within: limit,
});

interface PathOutcome extends Part {
  /** What passed, for the summary: "last changed 3 days ago (limit 30)". */
  notes: string[];
  /** What did not: "is 12 bytes (minimum 100)". */
  failures: string[];
  fix?: string;
  /** The contains pattern matched (undefined: not asked or not read). */
  contains?: boolean;
  /** When the path last changed, as far as known (ms): the newest of several matches is the one named. */
  changed?: number;
  size?: number;
}

function checkPath(
  path: string,
  params: Params,
  re: RE2JS | null,
  files: FileIndex,
  facts: Facts,
  now: Date,
): PathOutcome {
  const failures: string[] = [];
  const notes: string[] = [];
  const fixes: string[] = [];
  let unknownReason: string | undefined;
  let contains: boolean | undefined;
  let changedAt: number | undefined;
  let size: number | undefined;
  const reads = readsOf(params, files, path);
  const content = reads.content ? facts.get({ type: "content", path }) : null;
  let text: string | null = null;
  if (content?.state === "unknown")
    unknownReason = `the content of ${path} could not be read: ${content.reason}`;
  else if (content?.state === "ok") {
    if (content.value === null) unknownReason = `${path} is listed but its content could not be read`;
    else text = content.value;
  }

  if (params.minBytes !== undefined) {
    const listed = files.bytes(path);
    size = listed ?? (text === null ? undefined : Buffer.byteLength(text, "utf8"));
    // Content is cut at MAX_CONTENT_BYTES, so a cut file is at least that big and no more is known.
    const cut = listed === undefined && size !== undefined && size >= MAX_CONTENT_BYTES;
    if (size === undefined) {
      // unknownReason already says why
    } else if (size >= params.minBytes) {
      notes.push(`${cut ? "at least " : ""}${size.toLocaleString("en-US")} bytes`);
    } else if (cut) {
      unknownReason ??= `${path} is larger than ${MAX_CONTENT_BYTES} bytes and its exact size is not known`;
    } else {
      failures.push(`is ${plural(size, "byte")} (minimum ${params.minBytes})`);
      fixes.push(`Fill in ${path} (at least ${plural(params.minBytes, "byte")})`);
    }
  }

  if (re && text !== null) {
    contains = re.test(text);
    if (contains) notes.push(`contains /${params.contains}/`);
    else {
      failures.push(`does not contain /${params.contains}/`);
      fixes.push(`Make ${path} contain a match for /${params.contains}/`);
    }
  }

  if (params.maxAgeDays !== undefined) {
    const limit = params.maxAgeDays;
    const changed = facts.get(ageNeed(path, limit));
    if (changed.state === "ok" && changed.value !== null)
      changedAt = (
        changed.value instanceof Date
          ? changed.value
          : "olderThan" in changed.value
            ? changed.value.olderThan
            : changed.value.newerThan
      ).getTime();
    const stale = () =>
      fixes.push(`Review and update ${path}: it must change at least every ${plural(limit, "day")}`);
    if (changed.state === "unknown") {
      unknownReason ??= `when ${path} last changed could not be read: ${changed.reason}`;
    } else if (changed.value === null) {
      failures.push(`is not in any commit yet, so it has no age (limit ${plural(limit, "day")})`);
      fixes.push(`Commit ${path}`);
    } else if (changed.value instanceof Date && inFuture(changed.value, now)) {
      // Anyone who commits sets the date; a future one would read as "changed today" until that day comes.
      failures.push(
        `last changed in a commit dated ${changed.value.toISOString()}, in the future, which is not evidence of freshness (limit ${limit})`,
      );
      fixes.push(
        `Commit ${path} again with a correct date (the commit touching it is dated in the future; check the committer's clock)`,
      );
    } else if (changed.value instanceof Date) {
      const age = ageMs(changed.value, now);
      if (withinDays(age, limit)) notes.push(`last changed ${describeAge(age)} (limit ${limit})`);
      else {
        failures.push(`last changed ${describeAge(age, limit)} (limit ${limit})`);
        stale();
      }
    } else if ("olderThan" in changed.value) {
      // Only a bound is known (the provider examined the window, not the path's whole history).
      const bound = changed.value.olderThan;
      if (ageMs(bound, now) > limit * DAY_MS) {
        failures.push(`last changed more than ${plural(limit, "day")} ago (limit ${limit})`);
        stale();
      } else {
        unknownReason ??= `${path} last changed at or before ${bound.toISOString()}, which does not settle a limit of ${plural(limit, "day")}`;
      }
    } else {
      const bound = changed.value.newerThan;
      if (inFuture(bound, now))
        unknownReason ??= `${path} last changed at or after ${bound.toISOString()}, a date in the future, which is not evidence of freshness`;
      else if (withinDays(ageMs(bound, now), limit))
        notes.push(`changed within the last ${plural(limit, "day")}`);
      else
        unknownReason ??= `${path} last changed at or after ${bound.toISOString()}, which does not settle a limit of ${plural(limit, "day")}`;
    }
  }

  const facts_ = {
    ...(contains !== undefined ? { contains } : {}),
    ...(changedAt !== undefined ? { changed: changedAt } : {}),
    ...(size !== undefined ? { size } : {}),
  };
  if (failures.length > 0) {
    return {
      state: "fail",
      reason: `${path} ${joinAnd(failures)}`,
      notes,
      failures,
      fix: fixes[0]!,
      ...facts_,
    };
  }
  if (unknownReason) return { state: "unknown", reason: unknownReason, notes, failures, ...facts_ };
  return { state: "ok", notes, failures, ...facts_ };
}

/**
 * Nearest to passing first: fewest unmet requirements, then a file where the pattern was found (what the
 * entry is about; size and age are met by editing or committing it), then the newest change (unknown ages
 * last), then the larger file, then name order.
 */
function nearer(a: PathOutcome & { path: string }, b: PathOutcome & { path: string }): number {
  return (
    a.failures.length - b.failures.length ||
    Number(b.contains === true) - Number(a.contains === true) ||
    (b.changed ?? Number.NEGATIVE_INFINITY) - (a.changed ?? Number.NEGATIVE_INFINITY) ||
    (b.size ?? -1) - (a.size ?? -1) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

/**
 * Why no file matching a glob qualifies: what was looked for, in how many files, and the file nearest to
 * passing (fewest unmet requirements, then the newest): for an age limit alone, the newest file.
 */
function noneQualifies(
  entry: string,
  params: Params,
  outcomes: (PathOutcome & { path: string })[],
  matched: number,
): { reason: string; fix?: string } {
  const n = outcomes.length;
  const parts: string[] = [];
  const pattern = `/${params.contains}/`;
  const found = outcomes.filter((o) => o.contains).length;
  if (params.contains !== undefined)
    parts.push(found === 0 ? `none contains ${pattern}` : `${pattern} found in ${found} of them`);
  const asked = [params.contains, params.minBytes, params.maxAgeDays].filter((x) => x !== undefined).length;
  const best = [...outcomes].sort(nearer)[0]!;
  // With only a pattern to look for, every file misses it alike: none is nearer than another.
  const onlyPattern = asked === 1 && params.contains !== undefined;
  if (!onlyPattern) {
    const label = asked === 1 && params.maxAgeDays !== undefined ? "newest" : "nearest";
    const passing = best.notes.length > 0 ? ` (${best.notes.join(", ")})` : "";
    parts.push(`${label}: ${best.path}${passing} ${joinAnd(best.failures)}`);
  }
  const read =
    matched > n
      ? `${n} of the ${matched} files matching ${entry} that were read`
      : `${n} files matching ${entry}`;
  const reason = `none of the ${read} qualifies: ${parts.join("; ")}`;
  const fix = onlyPattern
    ? `Add a match for ${pattern} to one of the ${n} files matching ${entry}`
    : best.fix;
  return { reason, ...(fix ? { fix } : {}) };
}

interface EntryOutcome extends PathOutcome {
  entry: string;
  /** What passed, when it is not one file: "all 3 files matching deploy/*.env". */
  label?: string;
  missing?: boolean;
  /** The path that satisfied the entry. */
  path?: string;
  /** Paths inspected, when the read budget left some out. */
  capped?: { checked: number; matched: number };
  /** The files (and lines) a failure is about. */
  at?: FileLocation[];
}

interface Patterns {
  re: RE2JS | null;
  ban: RE2JS | null;
}

function checkEntry(
  entry: string,
  params: Params,
  patterns: Patterns,
  files: FileIndex,
  facts: Facts,
  now: Date,
): EntryOutcome {
  if (params.absent) return absentEntry(entry, files);
  const { matches, checked } = plan(params, files, entry);
  const capped =
    checked.length < matches.length ? { checked: checked.length, matched: matches.length } : undefined;
  if (matches.length === 0) {
    if (files.truncated) {
      return {
        entry,
        state: "unknown",
        reason: `the file list was truncated, so whether ${entry} exists is not known`,
        notes: [],
        failures: [],
      };
    }
    if (params.allowNone)
      return {
        entry,
        state: "ok",
        label: `no file matches ${entry} (none required)`,
        notes: [],
        failures: [],
      };
    return {
      entry,
      state: "fail",
      missing: true,
      reason: isGlob(entry) ? `no file matches ${entry}` : `${entry} is missing`,
      notes: [],
      failures: [],
      fix: isGlob(entry) ? `Add a file matching ${entry}` : `Add ${entry}`,
    };
  }

  const scope: Scope = { entry, params, files, facts, now, re: patterns.re, matches, checked, capped };
  const positive = params.every ? everyEntry(scope) : someEntry(scope);
  if (!patterns.ban) return positive;
  const banned = forbidEntry(scope, patterns.ban);
  // Only the forbidden pattern asked: the pass names what was searched, not one file that happens to exist.
  const bare =
    params.contains === undefined && params.minBytes === undefined && params.maxAgeDays === undefined;
  if (bare && positive.state === "ok" && banned.state === "ok") {
    const label =
      matches.length === 1 && !isGlob(entry)
        ? `${entry} does not contain /${params.notContains}/`
        : `none of the ${plural(matches.length, "file")} matching ${entry} contains /${params.notContains}/`;
    return { ...banned, label, notes: [] };
  }
  return both(positive, banned);
}

interface Scope {
  entry: string;
  params: Params;
  files: FileIndex;
  facts: Facts;
  now: Date;
  re: RE2JS | null;
  matches: string[];
  checked: string[];
  capped: { checked: number; matched: number } | undefined;
}

/** Why a check over every matching file cannot pass although none read failed: some were not read or listed. */
function unreadReason(s: Scope, what: string): string | undefined {
  if (s.capped)
    return `only ${s.capped.checked} of the ${s.capped.matched} files matching ${s.entry} were read (at most ${s.files.reads} files per entry), and one of the others may ${what}`;
  if (s.files.truncated && isGlob(s.entry))
    return `the file list was truncated, and a file matching ${s.entry} that is not listed may ${what}`;
  return undefined;
}

const matchLabel = (s: Scope): string =>
  s.matches.length === 1 && !isGlob(s.entry)
    ? s.entry
    : `all ${plural(s.matches.length, "file")} matching ${s.entry}`;

/** `every: true`: each matching file must qualify; the files that do not are named. */
function everyEntry(s: Scope): EntryOutcome {
  const { entry, params, files, facts, now, re, capped } = s;
  const outcomes = s.checked.map((path) => ({ path, ...checkPath(path, params, re, files, facts, now) }));
  const failing = outcomes.filter((o) => o.state === "fail");
  const cap = capped ? { capped } : {};
  if (failing.length > 0) {
    const named = failing.slice(0, 3).map((o) => o.reason!);
    const more = failing.length > 3 ? `; and ${failing.length - 3} more` : "";
    const reason =
      s.matches.length === 1
        ? named[0]!
        : `${failing.length} of the ${plural(s.matches.length, "file")} matching ${entry} ${failing.length === 1 ? "does" : "do"} not qualify: ${named.join("; ")}${more}`;
    return {
      entry,
      state: "fail",
      reason,
      notes: [],
      failures: failing.flatMap((o) => o.failures),
      ...(failing[0]!.fix ? { fix: failing[0]!.fix } : {}),
      at: failing.map((o) => ({ path: o.path })),
      ...cap,
    };
  }
  const doubt = outcomes.find((o) => o.state === "unknown");
  if (doubt) return { entry, state: "unknown", reason: doubt.reason!, notes: [], failures: [], ...cap };
  const unread = unreadReason(s, "not qualify");
  if (unread) return { entry, state: "unknown", reason: unread, notes: [], failures: [], ...cap };
  const asked = [params.contains, params.minBytes, params.maxAgeDays].some((x) => x !== undefined);
  const notes = outcomes.length === 1 ? outcomes[0]!.notes : asked ? ["each meets the conditions"] : [];
  return { entry, state: "ok", label: matchLabel(s), notes, failures: [] };
}

/** 1-based line of a string offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** `notContains`: no matching file may contain the pattern; each file that does is named with its first line. */
function forbidEntry(s: Scope, ban: RE2JS): EntryOutcome {
  const { entry, params, files, facts, capped } = s;
  const pattern = `/${params.notContains}/`;
  const hits: { path: string; line: number }[] = [];
  let doubt: string | undefined;
  for (const path of s.checked) {
    const content = facts.get({ type: "content", path });
    if (content.state === "unknown") {
      doubt ??= `the content of ${path} could not be read: ${content.reason}`;
      continue;
    }
    if (content.value === null) {
      doubt ??= `${path} is listed but its content could not be read`;
      continue;
    }
    const text = content.value;
    const m = ban.matcher(text);
    if (m.find()) hits.push({ path, line: lineAt(text, m.start()) });
    // Only the first MAX_CONTENT_BYTES are read: the pattern may lie past them.
    else if ((files.bytes(path) ?? Buffer.byteLength(text, "utf8")) >= MAX_CONTENT_BYTES)
      doubt ??= `only the first ${MAX_CONTENT_BYTES.toLocaleString("en-US")} bytes of ${path} were read, and ${pattern} may occur past them`;
  }
  const cap = capped ? { capped } : {};
  if (hits.length > 0) {
    const at = hits.slice(0, 5).map((h) => `${h.path}:${h.line}`);
    const more = hits.length > 5 ? ` and ${hits.length - 5} more` : "";
    const reason = `${joinAnd(at)}${more} ${hits.length === 1 ? "contains" : "contain"} ${pattern}, which no file matching ${entry} may contain`;
    const first = hits[0]!;
    return {
      entry,
      state: "fail",
      reason,
      notes: [],
      failures: hits.map((h) => `${h.path}:${h.line} contains ${pattern}`),
      at: hits,
      fix: `Remove what matches ${pattern} from ${first.path} (line ${first.line})${hits.length > 1 ? ` and ${hits.length - 1} more ${hits.length === 2 ? "file" : "files"}` : ""}`,
      ...cap,
    };
  }
  if (doubt) return { entry, state: "unknown", reason: doubt, notes: [], failures: [], ...cap };
  const unread = unreadReason(s, `contain ${pattern}`);
  if (unread) return { entry, state: "unknown", reason: unread, notes: [], failures: [], ...cap };
  const none = s.matches.length === 1 ? "does not contain" : `none of the ${s.matches.length} contains`;
  return { entry, state: "ok", label: matchLabel(s), notes: [`${none} ${pattern}`], failures: [] };
}

/** The conditions on some (or every) file and the forbidden pattern: both must hold. */
function both(positive: EntryOutcome, banned: EntryOutcome): EntryOutcome {
  const parts = [positive, banned];
  const failing = parts.filter((o) => o.state === "fail");
  if (failing.length > 0) {
    const fix = failing.find((o) => o.fix)?.fix;
    return {
      entry: positive.entry,
      state: "fail",
      reason: failing.map((o) => o.reason!).join("; "),
      notes: [],
      failures: failing.flatMap((o) => o.failures),
      at: failing.flatMap((o) => o.at ?? []),
      ...(fix ? { fix } : {}),
      ...(positive.capped ? { capped: positive.capped } : {}),
    };
  }
  const doubt = parts.find((o) => o.state === "unknown");
  if (doubt) return { ...doubt, entry: positive.entry };
  return { ...positive, notes: [...positive.notes, ...banned.notes] };
}

/** `absent: true`: the path must not exist; every file that matches is named. */
function absentEntry(entry: string, files: FileIndex): EntryOutcome {
  const matches = files.match(entry);
  if (matches.length === 0) {
    if (files.truncated)
      return {
        entry,
        state: "unknown",
        reason: `the file list was truncated, so whether a file matches ${entry} is not known`,
        notes: [],
        failures: [],
      };
    return {
      entry,
      state: "ok",
      label: isGlob(entry) ? `no file matches ${entry}` : `${entry} is absent`,
      notes: [],
      failures: [],
    };
  }
  const named = matches.slice(0, 5);
  const more = matches.length > 5 ? ` and ${matches.length - 5} more` : "";
  return {
    entry,
    state: "fail",
    reason: `${joinAnd(named)}${more} ${matches.length === 1 ? "exists" : "exist"}, but ${isGlob(entry) ? `no file may match ${entry}` : "it must not exist"}`,
    notes: [],
    failures: matches.map((m) => `${m} exists`),
    at: matches.map((path) => ({ path })),
    fix: `Remove ${joinAnd(named)}${more} from the repository`,
  };
}

/** Without `every`: one matching file qualifying is enough; the nearest to passing is named otherwise. */
function someEntry(s: Scope): EntryOutcome {
  const { entry, params, files, facts, now, re, matches, checked, capped } = s;
  // Thousands of matches of a bare glob (**/*.test.ts) cost one outcome: the one nearer() would put first.
  const looked =
    asksNothing(params) && checked.length > 1 ? [checked.reduce((a, b) => (b < a ? b : a))] : checked;
  const outcomes = looked.map((path) => ({ path, ...checkPath(path, params, re, files, facts, now) }));
  // The newest qualifying file is the one named.
  const good = outcomes.filter((o) => o.state === "ok").sort(nearer)[0];
  if (good) return { entry, ...good, ...(capped ? { capped } : {}) };

  const doubt = outcomes.find((o) => o.state === "unknown");
  if (doubt) return { entry, ...doubt, path: undefined, ...(capped ? { capped } : {}) };
  // A truncated list may hide a further match that would qualify.
  if (files.truncated && isGlob(entry)) {
    return {
      entry,
      state: "unknown",
      reason: `the file list was truncated and no listed file matching ${entry} qualifies`,
      notes: [],
      failures: [],
    };
  }
  if (outcomes.length === 1 && !capped) {
    const only = outcomes[0]!;
    return {
      entry,
      state: "fail",
      reason: only.reason!,
      notes: [],
      failures: only.failures,
      at: [{ path: only.path }],
      ...(only.fix ? { fix: only.fix } : {}),
    };
  }
  const none = noneQualifies(entry, params, outcomes, matches.length);
  // Files past the read budget were never looked at, and one of them may qualify: that is not a failure.
  if (capped)
    return {
      entry,
      state: "unknown",
      reason: `${none.reason}; the other ${capped.matched - capped.checked} were not read (at most ${files.reads} files per entry) and one of them may qualify`,
      notes: [],
      failures: [],
      capped,
    };
  return {
    entry,
    state: "fail",
    reason: none.reason,
    notes: [],
    failures: [],
    ...(none.fix ? { fix: none.fix } : {}),
  };
}

const okLine = (o: EntryOutcome): string =>
  `${o.label ?? `${o.path} present`}${o.notes.length ? `, ${o.notes.join(", ")}` : ""}`;

/** The summary must say when a broad glob was only partly read. */
function capNote(outcomes: EntryOutcome[]): string {
  const capped = outcomes.flatMap((o) =>
    o.capped ? [`${o.capped.checked} of ${o.capped.matched} files matching ${o.entry}`] : [],
  );
  return capped.length ? ` (read only the first ${joinAnd(capped)})` : "";
}

export const fileKind = defineKind({
  name: "file",
  description:
    "Files present in the commit: a path or glob, or a list of them (partial credit = share satisfied), optionally with a minimum size, a pattern they must contain and a maximum age measured from the last commit that touched them; `every` asks it of each matching file, `notContains` forbids a pattern in any of them, `absent` forbids the path.",
  schema,
  appliesTo: ALL_CONTEXTS,
  needs: (params, { files }): Need[] => {
    if (!files) return [{ type: "files" }];
    const needs: Need[] = [{ type: "files" }];
    // A broken pattern fails the check without reading anything; a forbidden path needs only the list.
    if (params.absent) return needs;
    for (const p of [params.contains, params.notContains])
      if (p !== undefined && !compilePattern(p).ok) return needs;
    if (asksNothing(params)) return needs;
    for (const entry of toList(params.path)) {
      for (const path of plan(params, files, entry).checked) {
        const r = readsOf(params, files, path);
        if (r.content) needs.push({ type: "content", path });
        if (r.age) needs.push(ageNeed(path, params.maxAgeDays!));
      }
    }
    return needs;
  },
  evaluate: (params, { facts, target, now }) => {
    const index = facts.get({ type: "files" });
    if (index.state === "unknown") return unknownResult(`the file list could not be read: ${index.reason}`);
    const files = index.value;
    const patterns: Patterns = { re: null, ban: null };
    for (const [key, slot] of [
      ["contains", "re"],
      ["notContains", "ban"],
    ] as const) {
      const pattern = params[key];
      if (pattern === undefined) continue;
      const compiled = compilePattern(pattern);
      if (!compiled.ok) {
        return failed(compiled.message, 0, {
          fix: `Fix the ${key} pattern: RE2 syntax, no lookaround or backreferences`,
        });
      }
      patterns[slot] = compiled.re;
    }

    const entries = toList(params.path);
    const outcomes = entries.map((entry) => checkEntry(entry, params, patterns, files, facts, now));
    const { status, credit } = settle(outcomes);
    const ok = outcomes.filter((o) => o.state === "ok");
    const notOk = outcomes.filter((o) => o.state !== "ok");
    const evidence = capLinks(
      ok.flatMap((o) => (o.path && !o.label ? [link(o.path, fileUrl(target, o.path))] : [])),
    );
    const note = capNote(outcomes);

    if (status === "pass") {
      const summary = outcomes.length === 1 ? okLine(ok[0]!) : `All ${outcomes.length} present`;
      return passed(summary + note, {
        ...(outcomes.length > 1 ? { details: capLines(ok.map(okLine), 20) } : {}),
        evidence,
      });
    }
    const details = capLines(
      [...notOk.map((o) => o.reason!), ...(outcomes.length > 1 ? ok.map(okLine) : [])],
      20,
    );
    if (status === "unknown") {
      const first = notOk.find((o) => o.state === "unknown")!;
      return unknownResult(first.reason! + note, { details: outcomes.length > 1 ? details : [] });
    }

    const failing = outcomes.filter((o) => o.state === "fail");
    const missing = failing.filter((o) => o.missing);
    let summary: string;
    if (outcomes.length === 1) summary = failing[0]!.reason!;
    else if (missing.length === failing.length)
      summary = `${ok.length} of ${outcomes.length} present; missing: ${missing.map((o) => o.entry).join(", ")}`;
    else {
      const shown = failing.slice(0, 2).map((o) => o.reason!);
      const more = failing.length > 2 ? `; and ${failing.length - 2} more` : "";
      summary = `${ok.length} of ${outcomes.length} satisfied; ${shown.join("; ")}${more}`;
    }
    const fix =
      missing.length > 1 && missing.every((o) => !isGlob(o.entry))
        ? `Add ${joinAnd(missing.map((o) => o.entry))}`
        : failing[0]!.fix;
    return failed(summary + note, credit, {
      details: outcomes.length > 1 ? details : [],
      evidence,
      locations: failing.flatMap((o) => o.at ?? []),
      ...(fix ? { fix } : {}),
    });
  },
});

const capLinks = (links: EvidenceLink[]): EvidenceLink[] => links.slice(0, 10);
