// .readiness.yml → Policy, or every problem with file:line:column. Never throws.

import { isScalar, parse as parseYaml } from "yaml";
import type { z } from "zod";
import { at, formatPolicyError, type PolicyError, tidyErrors } from "./errors.js";
import { issuesToErrors, type Origin } from "./issues.js";
import { type Layer, mergeLayers, removalsOf, sourceLayer } from "./merge.js";
import { PRESET_NAMES, presetText } from "./presets/index.js";
import { type Policy, policyDocumentSchema, policySchema } from "./schema.js";
import { checkValues, crossCheck, escapesRepository } from "./semantics.js";
import { suggestion } from "./suggest.js";
import { locate, type Path, readYaml, type Source } from "./yaml-source.js";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export type { PolicyError };
export { formatPolicyError };

export type LoadResult =
  | { ok: true; policy: Policy; warnings: PolicyError[] }
  | { ok: false; errors: PolicyError[]; warnings?: PolicyError[] };

export interface RemoteRef {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}

/**
 * Which `extends` references a load may read. "all": presets and any `owner/repo:path[@ref]` (a policy
 * maintainers wrote: the base branch's, the default branch's, a local file). "presets-and-same-commit": a
 * policy a pull request changed, which must not make the App read other repositories on its behalf:
 * presets, and files of its own repository at the commit it was read at (`self`); nothing else is read.
 * "listed": a policy on a branch other than the default, which any writer can create: presets, files of its
 * own repository, and the files of other repositories that the default branch's policy extends (`listed`,
 * see remoteReferences) and what those extend; a writer's branch cannot make the App read another one.
 */
export type References = "all" | "presets-and-same-commit" | "listed";

export interface LoadOptions {
  /** With `now`, waivers already past their expiry are reported: warnings, or errors when `strict`. */
  now?: Date;
  /** Validation of a policy about to be committed (`readiness validate`, the App on a PR changing it). */
  strict?: boolean;
  /** Reads `owner/repo:path@ref` for extends; the App supplies it. null: no such file. */
  fetchRemote?: (ref: RemoteRef) => Promise<string | null>;
  /** Default "all". */
  references?: References;
  /**
   * With references "listed": the `owner/repo:path[@ref]` entries the default branch's policy extends; asked
   * only when the policy extends another repository (the App then reads the default branch's policy).
   */
  listed?: () => Promise<readonly string[]>;
  /**
   * Where the policy itself was read: its repository and commit. A referenced file of another repository
   * is never quoted in errors (its problems are reported at the reference, without content).
   */
  self?: { owner: string; repo: string; ref?: string };
}

/**
 * zod compiles a parser per object schema with `new Function` on its first parse. A load parses a policy
 * once or twice, which the plain path does faster: in a fresh process the two parses of the bench policy
 * (bench/cli-speed.ts) took about 7 ms instead of 12.
 */
const PARSE = { jitless: true } as const;

/** How many files deep `extends` may go below the policy itself. */
export const MAX_EXTENDS_DEPTH = 5;
/** `extends` entries followed in one load, all files together: fan-out must not multiply work. */
export const MAX_EXTENDS_ENTRIES = 50;

interface Context {
  errors: PolicyError[];
  warnings: PolicyError[];
  opts: LoadOptions;
  /**
   * Each extended file is fetched and parsed once per load, and resolved once per depth it is named at
   * (its own extends count toward the depth limit from there), however often it is named.
   */
  sources: Map<string, Source | null>;
  resolved: Map<string, Layer | null>;
  entries: number;
  /** Files of other repositories (by id), and the reference in a shown file that brought each in. */
  foreign: Map<string, Anchor>;
  /** References not read because of `references` (one message each, at the reference). */
  unread: PolicyError[];
  /** An extended file could not be had: the merged whole is then not checked (its errors would be guesses). */
  partial: boolean;
}

/** An `extends` entry of a file whose problems may be shown: where a hidden file's problems are reported. */
interface Anchor {
  file: string;
  line: number;
  column: number;
  path: Path;
  id: string;
}

function newContext(opts: LoadOptions | undefined): Context {
  return {
    errors: [],
    warnings: [],
    opts: opts ?? {},
    sources: new Map(),
    resolved: new Map(),
    entries: 0,
    foreign: new Map(),
    unread: [],
    partial: false,
  };
}

/** push(...items) overflows the call stack for very long lists. */
function append<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

function internalError(file: unknown, e: unknown): LoadResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    ok: false,
    errors: [
      { file: String(file), line: 1, column: 1, message: `internal error reading the policy: ${message}` },
    ],
  };
}

function done(ctx: Context, policy: Policy | null): LoadResult {
  const errors = hide(ctx.errors, ctx, "problem");
  const warnings = tidyErrors(hide(ctx.warnings, ctx, "warning"));
  // warnings go with errors too: an emptied check may be why another check lost its kind
  if (errors.length > 0 || policy === null) return { ok: false, errors: tidyErrors(errors), warnings };
  return { ok: true, policy, warnings };
}

/**
 * Problems inside a file of another repository, replaced by one line at the reference that brought it in:
 * the check run is public to readers of this repository, not of that one, so nothing of the file (its text,
 * keys, values) may appear; which reference failed, and how many problems, may.
 */
function hide(list: readonly PolicyError[], ctx: Context, noun: string): PolicyError[] {
  if (ctx.foreign.size === 0) return [...list];
  const out: PolicyError[] = [];
  const counts = new Map<Anchor, number>();
  for (const e of list) {
    const anchor = ctx.foreign.get(e.file);
    if (anchor) counts.set(anchor, (counts.get(anchor) ?? 0) + 1);
    else out.push(e);
  }
  for (const [a, n] of counts) {
    out.push({
      file: a.file,
      line: a.line,
      column: a.column,
      message: at(
        a.path,
        `${JSON.stringify(a.id)} (or a file it extends) has ${n} ${noun}${n === 1 ? "" : "s"}; they are not shown here because that file belongs to another repository: run \`readiness validate\` there`,
      ),
    });
  }
  return out;
}

/**
 * YAML → data → the file's own schema and value checks. The source is returned even when its values have
 * errors, so the rest (extends, references between checks) is still checked: every error in one pass.
 * `accepted`: says the data is known to pass this schema (judged some other way), so it is not parsed again;
 * `parsed` is then null and `ok` tells.
 */
function readDocument<S extends z.ZodType>(
  text: unknown,
  file: string,
  schemaFor: (data: unknown) => S,
  ctx: Context,
  accepted?: (data: unknown) => boolean,
): { src: Source; parsed: z.output<S> | null; ok: boolean } | null {
  const read = readYaml(text, file);
  append(ctx.warnings, read.warnings);
  if (!read.source) {
    append(ctx.errors, read.errors);
    return null;
  }
  const src = read.source;
  const before = ctx.errors.length;
  let parsed: z.output<S> | null = null;
  let success = true;
  if (!accepted?.(src.data)) {
    const schema = schemaFor(src.data);
    const result = schema.safeParse(src.data, PARSE);
    if (!result.success) {
      const origin = (path: Path) => ({ src, path });
      append(ctx.errors, issuesToErrors(result.error.issues, { schema, data: src.data, origin }));
    } else parsed = result.data;
    success = result.success;
  }
  checkValues(src, src.data, ctx.errors);
  const ok = ctx.errors.length === before && success;
  return { src, parsed: ok ? parsed : null, ok };
}

/** One document, `extends` left unresolved. */
export function parsePolicy(text: string, file: string, opts?: LoadOptions): LoadResult {
  try {
    const ctx = newContext(opts);
    const doc = readDocument(text, String(file), policySchema, ctx);
    if (!doc) return done(ctx, null);
    const { src, parsed } = doc;
    crossCheck(parsed ?? src.data, (path) => ({ src, path }), ctx.opts, ctx.errors, ctx.warnings);
    return done(ctx, parsed);
  } catch (e) {
    return internalError(file, e);
  }
}

/** The policy with its `extends` resolved and merged, validated as a whole. */
export async function loadPolicy(text: string, file: string, opts?: LoadOptions): Promise<LoadResult> {
  try {
    const ctx = newContext(opts);
    const policy = await build(text, String(file), ctx);
    // a policy is only whole with everything it extends
    append(ctx.errors, ctx.unread);
    return done(ctx, ctx.unread.length > 0 ? null : policy);
  } catch (e) {
    return internalError(file, e);
  }
}

export interface Validation {
  errors: PolicyError[];
  warnings: PolicyError[];
  /** References `references` kept from being read (each also a warning); the whole was then not checked. */
  unread: number;
  /** The merged policy, when everything was read and it validates. */
  policy: Policy | null;
}

/**
 * Validation of a policy that is not about to be used: each file is checked on its own; the merged whole
 * only when every reference could be read. For a policy changed in a pull request (`references`
 * "presets-and-same-commit"), a reference to another repository is reported as a warning, not read.
 */
export async function validatePolicy(text: string, file: string, opts?: LoadOptions): Promise<Validation> {
  try {
    const ctx = newContext(opts);
    const policy = await build(text, String(file), ctx);
    append(ctx.warnings, ctx.unread);
    const errors = tidyErrors(hide(ctx.errors, ctx, "problem"));
    const warnings = tidyErrors(hide(ctx.warnings, ctx, "warning"));
    return { errors, warnings, unread: ctx.unread.length, policy: errors.length > 0 ? null : policy };
  } catch (e) {
    const failed = internalError(file, e) as Extract<LoadResult, { ok: false }>;
    return { errors: failed.errors, warnings: [], unread: 0, policy: null };
  }
}

/** The root file and all it extends, merged and validated; null with errors in `ctx` (or references unread). */
async function build(text: string, file: string, ctx: Context): Promise<Policy | null> {
  // A file extending nothing is the whole policy (resolve gives back its own data). When the whole's schema
  // accepts it, the file's schema does too (the same schema but for checks, where a check with its kind is a
  // valid override), so the file is parsed once, with the whole's schema; otherwise as below, both ways.
  let early: { data: unknown; result: ReturnType<ReturnType<typeof policySchema>["safeParse"]> } | undefined;
  const root = readDocument(text, file, policyDocumentSchema, ctx, (data) => {
    if (!isRecord(data) || (Array.isArray(data.extends) && data.extends.length > 0)) return false;
    early = { data, result: policySchema(data).safeParse(data, PARSE) };
    return early.result.success;
  });
  // a file that is not a mapping has said all there is to say about itself
  if (!root || !isRecord(root.src.data)) return null;
  const layer = await resolve(root.src, [file], ctx);
  // Without every extended file the whole cannot be judged; otherwise it is, even when a file has errors of
  // its own, so `readiness validate` reports everything at once rather than in rounds.
  if (ctx.partial || ctx.unread.length > 0) return null;
  const before = ctx.errors.length;
  const schema = policySchema(layer.data);
  const result = early?.data === layer.data ? early.result : schema.safeParse(layer.data, PARSE);
  if (!result.success) {
    const issues = result.error.issues;
    append(ctx.errors, issuesToErrors(issues, { schema, data: layer.data, origin: layer.origin }));
  }
  const shown = (f: string) => !ctx.foreign.has(f);
  const whole = result.success ? result.data : layer.data;
  crossCheck(whole, layer.origin, { ...ctx.opts, shown }, ctx.errors, ctx.warnings);
  return result.success && ctx.errors.length === before && root.ok ? result.data : null;
}

type Target =
  | { kind: "preset"; id: string }
  | { kind: "remote"; id: string; ref: RemoteRef }
  | { kind: "invalid"; message: string };

const REMOTE = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100}):([^@\s]+)(?:@([^@\s]+))?$/;

function parseTarget(entry: string): Target {
  if (entry.startsWith("readiness:")) return { kind: "preset", id: entry };
  const m = REMOTE.exec(entry);
  if (!m) {
    return {
      kind: "invalid",
      message: `${JSON.stringify(entry)} is neither a preset (${PRESET_NAMES.join(", ")}) nor owner/repo:path[@ref]`,
    };
  }
  const [, owner, repo, path, ref] = m as unknown as [string, string, string, string, string | undefined];
  const outside = escapesRepository(path);
  if (outside) return { kind: "invalid", message: outside };
  return { kind: "remote", id: entry, ref: { owner, repo, path, ...(ref ? { ref } : {}) } };
}

function warnRemovals(removals: Origin[], ctx: Context): void {
  for (const o of removals) {
    ctx.warnings.push({
      file: o.src.file,
      ...locate(o.src, o.path, "key"),
      message: at(o.path, "removes a check that no extended policy defines"),
    });
  }
}

const sameRepository = (a: { owner: string; repo: string }, b: { owner: string; repo: string }) =>
  a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();

/** Whether a referenced file belongs to another repository than the policy (its problems are then hidden). */
function isForeign(ref: RemoteRef, opts: LoadOptions): boolean {
  return !opts.self || !sameRepository(ref, opts.self);
}

/** The file `references` lets this load read for `ref` (pinned to the policy's own commit), or why not. */
async function admit(
  id: string,
  ref: RemoteRef,
  opts: LoadOptions,
  withinListed: boolean,
): Promise<{ read: RemoteRef } | { unread: string }> {
  if ((opts.references ?? "all") === "all") return { read: ref };
  const self = opts.self;
  if (opts.references === "listed") {
    if (withinListed || (self && sameRepository(ref, self))) return { read: ref };
    if ((await opts.listed?.())?.includes(id)) return { read: ref };
    return {
      unread:
        "not read: a branch's policy may extend presets, files of its own repository and the files of other repositories that the default branch's policy extends; only the default branch's policy may add another",
    };
  }
  if (self?.ref && sameRepository(ref, self) && (ref.ref === undefined || ref.ref === self.ref))
    return { read: { ...ref, ref: self.ref } };
  return {
    unread:
      "not read: a policy changed in a pull request is validated with presets and files of its own repository at the same commit only; other references are read once it is merged",
  };
}

/** The file merged on top of what it extends, in order (later wins). `anchor`: src belongs to another repository. */
async function resolve(src: Source, chain: string[], ctx: Context, anchor?: Anchor): Promise<Layer> {
  const own = sourceLayer(src);
  const entries = Array.isArray(own.data.extends) ? own.data.extends : [];
  let base: Layer | null = null;
  const removals: Origin[] = [];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== "string") continue;
    const path: Path = ["extends", i];
    const fail = (message: string) => {
      ctx.partial = true;
      ctx.errors.push({ file: src.file, ...locate(src, path), message: at(path, message) });
    };
    let target = parseTarget(entry);
    if (target.kind === "invalid") {
      fail(target.message);
      continue;
    }
    if (chain.includes(target.id)) {
      fail(`extends cycle: ${[...chain, target.id].join(" → ")}`);
      continue;
    }
    if (chain.length > MAX_EXTENDS_DEPTH) {
      fail(`extends nests deeper than ${MAX_EXTENDS_DEPTH} levels: ${[...chain, target.id].join(" → ")}`);
      continue;
    }
    if (++ctx.entries > MAX_EXTENDS_ENTRIES) {
      fail(`more than ${MAX_EXTENDS_ENTRIES} extends entries in all (this file and those it extends)`);
      break;
    }
    let hidden = anchor;
    if (target.kind === "remote") {
      const admitted = await admit(target.id, target.ref, ctx.opts, anchor !== undefined);
      if ("unread" in admitted) {
        ctx.unread.push({
          file: src.file,
          ...locate(src, path),
          message: at(path, `${entry}: ${admitted.unread}`),
        });
        continue;
      }
      target = { ...target, ref: admitted.read };
      if (!hidden && isForeign(target.ref, ctx.opts))
        hidden = { file: src.file, ...locate(src, path), path, id: target.id };
    }
    const key = `${chain.length} ${target.id}`;
    let layer = ctx.resolved.get(key);
    if (layer === undefined) {
      const child = await sourceOf(target, ctx, fail, target.kind === "remote" ? hidden : undefined);
      layer = child ? await resolve(child, [...chain, target.id], ctx, hidden) : null;
      ctx.resolved.set(key, layer);
    }
    if (!layer) continue;
    base = base ? mergeLayers(base, layer, removals) : layer;
  }
  if (!base) {
    // nothing underneath: a removal here has nothing to remove (only worth saying in the policy itself)
    if (chain.length === 1) warnRemovals(removalsOf(own), ctx);
    return own;
  }
  if (!anchor) warnEmptied(src, base, ctx);
  const merged = mergeLayers(base, own, removals);
  warnRemovals(removals, ctx);
  return merged;
}

/**
 * `ci:` with nothing after it is null, which removes an extended check: usually an indentation slip (its
 * settings written one level too far left). Written `null`, `~` or `false`, the removal is plainly meant.
 */
function warnEmptied(src: Source, base: Layer, ctx: Context): void {
  const own = sourceLayer(src).data.checks;
  const inherited = base.data.checks;
  if (!isRecord(own) || !isRecord(inherited)) return;
  for (const [id, value] of Object.entries(own)) {
    if (value !== null || !isRecord(inherited[id])) continue;
    const node = src.doc.getIn(["checks", id], true);
    if (!isScalar(node) || (node.source !== undefined && node.source !== "")) continue;
    const from = base.origin(["checks", id]).src.file;
    const shownFrom = ctx.foreign.has(from) ? "an extended policy" : from;
    ctx.warnings.push({
      file: src.file,
      ...locate(src, ["checks", id], "key"),
      message: at(
        ["checks", id],
        `empty, which removes the check ${JSON.stringify(id)} of ${shownFrom}; if its settings follow on the next lines, indent them under ${id}:, and if the removal is meant, write ${id}: null`,
      ),
    });
  }
}

/** Presets are constants: each is parsed and checked once per process. Merging never mutates a source. */
const presetSources = new Map<string, Source>();

async function sourceOf(
  target: Exclude<Target, { kind: "invalid" }>,
  ctx: Context,
  fail: (message: string) => void,
  hidden: Anchor | undefined,
): Promise<Source | null> {
  const preset = target.kind === "preset" ? presetSources.get(target.id) : undefined;
  if (preset) return preset;
  const known = ctx.sources.get(target.id);
  if (known !== undefined) return known;
  if (hidden && !ctx.foreign.has(target.id)) ctx.foreign.set(target.id, hidden);
  const text = await fetchTarget(target, ctx, fail);
  const read = text === null ? null : readDocument(text, target.id, policyDocumentSchema, ctx);
  // an extended file with errors of its own is not merged: what the whole would be is not known
  const doc = read?.ok ? read : null;
  if (read && !doc) ctx.partial = true;
  if (doc && target.kind === "preset") presetSources.set(target.id, doc.src);
  ctx.sources.set(target.id, doc?.src ?? null);
  return doc?.src ?? null;
}

async function fetchTarget(
  target: Extract<Target, { kind: "preset" | "remote" }>,
  ctx: Context,
  fail: (message: string) => void,
): Promise<string | null> {
  if (target.kind === "preset") {
    const text = presetText(target.id);
    if (text === undefined) {
      fail(
        `unknown preset ${JSON.stringify(target.id)}${suggestion(target.id, PRESET_NAMES)}; presets: ${PRESET_NAMES.join(", ")}`,
      );
    }
    return text ?? null;
  }
  const fetchRemote = ctx.opts.fetchRemote;
  if (!fetchRemote) {
    fail(`${JSON.stringify(target.id)}: org/repo references are resolved by the GitHub App`);
    return null;
  }
  try {
    const text = await Promise.resolve().then(() => fetchRemote(target.ref));
    if (typeof text !== "string") {
      fail(`${target.id} was not found (or the App may not read it)`);
      return null;
    }
    return text;
  } catch (e) {
    fail(`could not read ${target.id}: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** The `owner/repo:path[@ref]` entries a policy file extends directly (for references "listed"). */
export function remoteReferences(text: string): string[] {
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    return [];
  }
  const entries = isRecord(data) && Array.isArray(data.extends) ? data.extends : [];
  return entries.filter((e): e is string => typeof e === "string" && parseTarget(e).kind === "remote");
}
