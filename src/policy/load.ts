// .readiness.yml → Policy, or every problem with file:line:column. Never throws.
import type { z } from "zod";
import { at, formatPolicyError, type PolicyError, tidyErrors } from "./errors.js";
import { issuesToErrors, type Origin } from "./issues.js";
import { type Layer, mergeLayers, removalsOf, sourceLayer } from "./merge.js";
import { PRESET_NAMES, presetText } from "./presets/index.js";
import { type Policy, PolicyDocumentSchema, PolicySchema } from "./schema.js";
import { checkValues, crossCheck, escapesRepository } from "./semantics.js";
import { suggestion } from "./suggest.js";
import { locate, type Path, readYaml, type Source } from "./yaml-source.js";

export type { PolicyError };
export { formatPolicyError };

export type LoadResult =
  | { ok: true; policy: Policy; warnings: PolicyError[] }
  | { ok: false; errors: PolicyError[] };

export interface RemoteRef {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}

export interface LoadOptions {
  /** With `now`, waivers already past their expiry are reported: warnings, or errors when `strict`. */
  now?: Date;
  /** Validation of a policy about to be committed (`readiness validate`, the App on a PR changing it). */
  strict?: boolean;
  /** Reads `owner/repo:path@ref` for extends; the App supplies it. null: no such file. */
  fetchRemote?: (ref: RemoteRef) => Promise<string | null>;
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
}

function newContext(opts: LoadOptions | undefined): Context {
  return {
    errors: [],
    warnings: [],
    opts: opts ?? {},
    sources: new Map(),
    resolved: new Map(),
    entries: 0,
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
  if (ctx.errors.length > 0 || policy === null) return { ok: false, errors: tidyErrors(ctx.errors) };
  return { ok: true, policy, warnings: tidyErrors(ctx.warnings) };
}

/** YAML → data → the file's own schema and value checks. */
function readDocument<S extends z.ZodType>(
  text: unknown,
  file: string,
  schema: S,
  ctx: Context,
): { src: Source; parsed: z.output<S> } | null {
  const read = readYaml(text, file);
  append(ctx.warnings, read.warnings);
  if (!read.source) {
    append(ctx.errors, read.errors);
    return null;
  }
  const src = read.source;
  const before = ctx.errors.length;
  const result = schema.safeParse(src.data, PARSE);
  if (!result.success) {
    const origin = (path: Path) => ({ src, path });
    append(ctx.errors, issuesToErrors(result.error.issues, { schema, data: src.data, origin }));
  }
  checkValues(src, src.data, ctx.errors);
  return ctx.errors.length === before && result.success ? { src, parsed: result.data } : null;
}

/** One document, `extends` left unresolved. */
export function parsePolicy(text: string, file: string, opts?: LoadOptions): LoadResult {
  try {
    const ctx = newContext(opts);
    const doc = readDocument(text, String(file), PolicySchema, ctx);
    if (!doc) return done(ctx, null);
    const { src, parsed } = doc;
    crossCheck(parsed, (path) => ({ src, path }), ctx.opts, ctx.errors, ctx.warnings);
    return done(ctx, parsed);
  } catch (e) {
    return internalError(file, e);
  }
}

/** The policy with its `extends` resolved and merged, validated as a whole. */
export async function loadPolicy(text: string, file: string, opts?: LoadOptions): Promise<LoadResult> {
  try {
    const ctx = newContext(opts);
    const root = readDocument(text, String(file), PolicyDocumentSchema, ctx);
    if (!root) return done(ctx, null);
    const layer = await resolve(root.src, [String(file)], ctx);
    if (ctx.errors.length > 0) return done(ctx, null);
    const result = PolicySchema.safeParse(layer.data, PARSE);
    if (!result.success) {
      const issues = result.error.issues;
      append(
        ctx.errors,
        issuesToErrors(issues, { schema: PolicySchema, data: layer.data, origin: layer.origin }),
      );
      return done(ctx, null);
    }
    crossCheck(result.data, layer.origin, ctx.opts, ctx.errors, ctx.warnings);
    return done(ctx, result.data);
  } catch (e) {
    return internalError(file, e);
  }
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

/** The file merged on top of what it extends, in order (later wins). */
async function resolve(src: Source, chain: string[], ctx: Context): Promise<Layer> {
  const own = sourceLayer(src);
  const entries = Array.isArray(own.data.extends) ? own.data.extends : [];
  let base: Layer | null = null;
  const removals: Origin[] = [];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== "string") continue;
    const fail = (message: string) =>
      ctx.errors.push({
        file: src.file,
        ...locate(src, ["extends", i]),
        message: at(["extends", i], message),
      });
    const target = parseTarget(entry);
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
    const key = `${chain.length} ${target.id}`;
    let layer = ctx.resolved.get(key);
    if (layer === undefined) {
      const child = await sourceOf(target, ctx, fail);
      layer = child ? await resolve(child, [...chain, target.id], ctx) : null;
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
  const merged = mergeLayers(base, own, removals);
  warnRemovals(removals, ctx);
  return merged;
}

/** Presets are constants: each is parsed and checked once per process. Merging never mutates a source. */
const presetSources = new Map<string, Source>();

async function sourceOf(
  target: Exclude<Target, { kind: "invalid" }>,
  ctx: Context,
  fail: (message: string) => void,
): Promise<Source | null> {
  const preset = target.kind === "preset" ? presetSources.get(target.id) : undefined;
  if (preset) return preset;
  const known = ctx.sources.get(target.id);
  if (known !== undefined) return known;
  const text = await fetchTarget(target, ctx, fail);
  const doc = text === null ? null : readDocument(text, target.id, PolicyDocumentSchema, ctx);
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
