// YAML text → plain data plus the syntax tree that locates every value, refusing hostile documents early.
import { Buffer } from "node:buffer";
import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Pair,
  type ParsedNode,
  Parser,
  type YAMLMap,
  type Node as YamlNode,
} from "yaml";
import type { PolicyError } from "./errors.js";

export const MAX_POLICY_BYTES = 1024 * 1024;
/** Deeper than any sensible policy; also keeps the recursive parts of `yaml` and zod far from the stack limit. */
export const MAX_DEPTH = 64;
/** Aliases a document may use; also passed to yaml's own `maxAliasCount`. */
export const MAX_ALIASES = 100;
/** Nodes aliases may add by expansion (a billion-laughs document adds billions). */
export const MAX_ALIAS_EXPANSION = 10_000;

/** One parsed file: where errors inside it point. */
export interface Source {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  data: unknown;
}

export type Path = readonly PropertyKey[];

export interface Position {
  line: number;
  column: number;
}

const TOP: Position = { line: 1, column: 1 };

class TooDeep {
  constructor(readonly offset: number) {}
}

/**
 * The CST parser keeps open collections on an explicit stack, so deep nesting is refused while parsing,
 * before the recursive composer sees it.
 */
function parseTokens(text: string): CST.Token[] {
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    const offset = parser.offset;
    for (const token of parser.next(lexeme)) tokens.push(token);
    // a document, its open collections (up to two stack entries a level) and the token being built
    if (parser.stack.length > 2 * MAX_DEPTH + 4) throw new TooDeep(offset);
  }
  for (const token of parser.end()) tokens.push(token);
  return tokens;
}

/**
 * Line starts from the text itself: yaml's parser misses the line breaks inside tokens it cannot place
 * (`a\n  %YAML 1.2\nb: c` puts every later error on line 3). A line break is \n, as for yaml.
 */
function lineCounterOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  return lines;
}

function positionOf(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(Math.max(0, offset));
  return { line: Math.max(1, line), column: Math.max(1, col) };
}

function nodePosition(src: Pick<Source, "lines">, node: unknown): Position {
  const range = (node as YamlNode | null)?.range;
  return range ? positionOf(src.lines, range[0]) : TOP;
}

/** The key as yaml's toJS writes it on a plain object. */
function keyString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  return node.value === null ? "" : String(node.value);
}

export interface ReadResult {
  source: Source | null;
  errors: PolicyError[];
  warnings: PolicyError[];
}

/** Parses one YAML 1.2 document (core schema: `on`/`yes` stay strings) into data, or located errors. */
export function readYaml(text: unknown, file: string): ReadResult {
  const errors: PolicyError[] = [];
  const warnings: PolicyError[] = [];
  const fail = (message: string, pos: Position = TOP): ReadResult => {
    errors.push({ file, ...pos, message });
    return { source: null, errors, warnings };
  };
  if (typeof text !== "string") return fail("the policy must be text");
  if (text.length > MAX_POLICY_BYTES || Buffer.byteLength(text, "utf8") > MAX_POLICY_BYTES) {
    return fail(
      `the policy is larger than 1 MiB (${Buffer.byteLength(text, "utf8")} bytes); a policy this large is refused unread`,
    );
  }

  const lines = lineCounterOf(text);
  let tokens: CST.Token[];
  try {
    tokens = parseTokens(text);
  } catch (e) {
    if (e instanceof TooDeep) {
      return fail(`the document nests deeper than ${MAX_DEPTH} levels`, positionOf(lines, e.offset));
    }
    return fail(`invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }

  const composer = new Composer({
    version: "1.2",
    schema: "core",
    strict: true,
    // duplicates are reported below, with where the first one is
    uniqueKeys: false,
    merge: false,
    logLevel: "silent",
    prettyErrors: false,
  });
  const docs = [...composer.compose(tokens, true, text.length)];
  const doc = docs[0];
  if (!doc) return fail("the policy is empty: it needs at least `version: 1`");
  if (docs.length > 1) {
    const second = tokens.filter((t) => t.type === "document")[1];
    const offset = second && "offset" in second ? second.offset : (docs[1]!.range[0] ?? 0);
    return fail(
      "a policy is a single YAML document, but a second one starts here",
      positionOf(lines, offset),
    );
  }
  for (const e of doc.errors.slice(0, 20)) {
    errors.push({ file, ...positionOf(lines, e.pos[0]), message: `invalid YAML: ${firstLine(e.message)}` });
  }
  if (errors.length > 0) return { source: null, errors, warnings };
  for (const w of doc.warnings.slice(0, 20)) {
    warnings.push({ file, ...positionOf(lines, w.pos[0]), message: `YAML: ${firstLine(w.message)}` });
  }

  const src = { file, doc, lines };
  if (doc.contents === null) return fail("the policy is empty: it needs at least `version: 1`");
  const firstAlias = inspect(src, doc.contents, errors);
  if (errors.length > 0) return { source: null, errors, warnings };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // inspect() bounds aliases more tightly; this is yaml's own guard, kept as a second line
    const detail = e instanceof Error ? e.message : String(e);
    return fail(`YAML aliases expand too much (${firstLine(detail)})`, nodePosition(src, firstAlias));
  }
  return { source: { ...src, data }, errors, warnings };
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0]!.trim();
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * One iterative pass over the tree: nesting depth, keys (plain and unique), and aliases (defined, not
 * recursive, few, and not expanding into a large document). Returns the first alias, if any.
 */
function inspect(src: Omit<Source, "data">, root: ParsedNode, errors: PolicyError[]): YamlNode | undefined {
  const err = (node: unknown, message: string) =>
    errors.push({ file: src.file, ...nodePosition(src, node), message });
  const anchors = new Map<string, YamlNode>();
  const size = new Map<unknown, number>();
  const open = new Set<unknown>();
  let aliases = 0;
  let expansion = 0;
  let firstAlias: YamlNode | undefined;
  const stack: { node: unknown; depth: number; exit: boolean }[] = [{ node: root, depth: 1, exit: false }];
  while (stack.length > 0) {
    const { node, depth, exit } = stack.pop()!;
    if (exit) {
      let n = 1;
      if (isMap(node)) for (const p of node.items) n += (size.get(p.key) ?? 0) + (size.get(p.value) ?? 0);
      else if (isSeq(node)) for (const item of node.items) n += size.get(item) ?? 0;
      size.set(node, n);
      open.delete(node);
      continue;
    }
    if (isAlias(node)) {
      firstAlias ??= node;
      if (++aliases > MAX_ALIASES) {
        err(node, `more than ${MAX_ALIASES} YAML aliases; write the values out`);
        return firstAlias;
      }
      const target = anchors.get(node.source);
      if (!target) {
        err(node, `alias *${node.source} refers to no anchor &${node.source} defined before it`);
        return firstAlias;
      }
      if (open.has(target)) {
        err(node, `alias *${node.source} refers to a node that contains it`);
        return firstAlias;
      }
      const n = size.get(target) ?? 1;
      expansion += n;
      if (expansion > MAX_ALIAS_EXPANSION) {
        err(
          node,
          `YAML aliases expand the document by more than ${MAX_ALIAS_EXPANSION} nodes (an alias bomb?); write the values out`,
        );
        return firstAlias;
      }
      size.set(node, n);
      continue;
    }
    const anchor = (node as YamlNode | null)?.anchor;
    if (anchor) anchors.set(anchor, node as YamlNode);
    if (isCollection(node)) {
      if (depth > MAX_DEPTH) {
        err(node, `the document nests deeper than ${MAX_DEPTH} levels`);
        return firstAlias;
      }
      open.add(node);
      stack.push({ node, depth, exit: true });
      if (isMap(node)) {
        const seen = new Map<string, unknown>();
        for (const p of node.items) {
          const key = keyString(p.key);
          if (key === undefined) {
            err(p.key, "mapping keys must be plain values (not lists, mappings or aliases)");
            continue;
          }
          const first = seen.get(key);
          if (first !== undefined) {
            const { line, column } = nodePosition(src, first);
            err(
              p.key,
              `duplicate key ${JSON.stringify(key)} (first defined at line ${line}, column ${column})`,
            );
          } else seen.set(key, p.key);
        }
        for (let i = node.items.length - 1; i >= 0; i--) {
          const p = node.items[i]!;
          if (p.value !== null) stack.push({ node: p.value, depth: depth + 1, exit: false });
          stack.push({ node: p.key, depth: depth + 1, exit: false });
        }
      } else {
        for (let i = node.items.length - 1; i >= 0; i--)
          stack.push({ node: node.items[i], depth: depth + 1, exit: false });
      }
    } else size.set(node, 1);
    if (errors.length >= 20) return firstAlias;
  }
  return firstAlias;
}

// Locating thousands of errors in a large document must stay linear: aliases and mapping keys are indexed
// once per node, not searched per error.
const resolved = new WeakMap<object, unknown>();
const keyIndex = new WeakMap<object, Map<string, Pair<unknown, unknown>>>();

function deref(doc: Document.Parsed, node: unknown): unknown {
  for (let i = 0; i < 8 && isAlias(node); i++) {
    let target = resolved.get(node);
    if (target === undefined) {
      target = node.resolve(doc) ?? null;
      resolved.set(node, target);
    }
    node = target;
  }
  return node;
}

function pairOf(map: YAMLMap<unknown, unknown>, key: string): Pair<unknown, unknown> | undefined {
  let index = keyIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      const k = keyString(p.key);
      if (k !== undefined && !index.has(k)) index.set(k, p);
    }
    keyIndex.set(map, index);
  }
  return index.get(key);
}

/**
 * Where `path` points in the source: at the value, or at the key when `at` is "key". A path that ends on a
 * mapping or list points at its key (`checks.readme:` rather than the line below); a path that leaves the
 * tree (a missing key) points at the deepest node it reached.
 */
export function locate(src: Source, path: Path, at: "node" | "key" = "node"): Position {
  let node: unknown = src.doc.contents;
  let key: unknown = null;
  let complete = true;
  for (const seg of path) {
    const here = deref(src.doc, node);
    if (isMap(here)) {
      const pair = pairOf(here, String(seg));
      if (!pair) {
        complete = false;
        break;
      }
      key = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(here) && typeof seg === "number" && seg < here.items.length) {
      key = null;
      node = here.items[seg];
    } else {
      complete = false;
      break;
    }
  }
  if (key && (at === "key" || !complete || isCollection(deref(src.doc, node)))) return nodePosition(src, key);
  return nodePosition(src, node);
}
