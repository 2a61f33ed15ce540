// zod issues → messages a policy author understands, each pointing at the offending node.
import { z } from "zod";
import { at, type PolicyError } from "./errors.js";
import { suggester } from "./suggest.js";
import { locate, type Path, type Source } from "./yaml-source.js";

type Issue = z.core.$ZodIssue;

/** Where a path of the (possibly merged) data came from: a file and the path inside it. */
export interface Origin {
  src: Source;
  path: Path;
}
export type OriginOf = (path: Path) => Origin;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

export function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isRecord(v) && typeof seg === "string" && Object.hasOwn(v, seg)) v = v[seg];
    else return undefined;
  }
  return v;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "an empty value";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary data";
  return "a mapping";
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "an empty value",
};

const literal = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

function orList(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique.at(-1)}`;
}

// ---- the schema at a path, for the keys an object allows and the bounds of a number

type Schema = z.core.$ZodType;

function unwrap(s: Schema): Schema {
  for (let i = 0; i < 16; i++) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodReadonly ||
      s instanceof z.ZodCatch
    )
      s = s.unwrap() as Schema;
    else if (s instanceof z.ZodPipe) s = s.in as Schema;
    else break;
  }
  return s;
}

/** Of a union's options, the one shaped like the value (a mapping, a list), else the first. */
function pickOption(s: Schema, value: unknown): Schema {
  s = unwrap(s);
  if (!(s instanceof z.ZodUnion)) return s;
  const options = (s.options as Schema[]).map(unwrap);
  const fits = (o: Schema): boolean =>
    Array.isArray(value)
      ? o instanceof z.ZodArray
      : isRecord(value)
        ? o instanceof z.ZodObject || o instanceof z.ZodRecord
        : !(o instanceof z.ZodArray || o instanceof z.ZodObject || o instanceof z.ZodRecord);
  return pickOption(options.find(fits) ?? options[0]!, value);
}

export function schemaAt(root: Schema, data: unknown, path: Path): Schema | undefined {
  let s: Schema | undefined = root;
  let value = data;
  for (const seg of path) {
    s = pickOption(s, value);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, Schema>)[String(seg)];
    else if (s instanceof z.ZodRecord) s = s.valueType as Schema;
    else if (s instanceof z.ZodArray) s = s.element as Schema;
    else return undefined;
    if (!s) return undefined;
    value = valueAt(value, [seg]);
  }
  return s && pickOption(s, value);
}

// ---- flattening unions: report the branch the value was meant for

function rootMismatch(i: Issue): boolean {
  return (
    i.path.length === 0 &&
    (i.code === "invalid_type" || i.code === "invalid_value" || i.code === "invalid_union")
  );
}

function expectedOf(branch: readonly Issue[]): string[] {
  const out: string[] = [];
  for (const i of branch) {
    if (i.path.length !== 0) continue;
    if (i.code === "invalid_type") out.push(TYPE_WORDS[i.expected] ?? i.expected);
    else if (i.code === "invalid_value") out.push(...i.values.map(literal));
    else if (i.code === "invalid_union") for (const b of i.errors) out.push(...expectedOf(b));
  }
  return out;
}

interface Flat {
  issue: Issue;
  path: PropertyKey[];
  /** Set for union mismatches, which have no single zod message worth keeping. */
  message?: string;
}

function flatten(issues: readonly Issue[], data: unknown, prefix: PropertyKey[], out: Flat[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code !== "invalid_union") {
      out.push({ issue, path });
      continue;
    }
    const fitting = issue.errors.filter((b) => b.length > 0 && !b.some(rootMismatch));
    if (fitting.length > 0) {
      const best = fitting.reduce((a, b) => (b.length < a.length ? b : a));
      flatten(best, data, path, out);
    } else {
      const expected = issue.errors.flatMap(expectedOf);
      out.push({
        issue,
        path,
        message: `expected ${orList(expected)}, got ${describeValue(valueAt(data, path))}`,
      });
    }
  }
}

// ---- one message per problem

const MISSING_HINTS: Record<string, string> = {
  version: " (write `version: 1`)",
  expires: " (the last day the waiver holds, YYYY-MM-DD; every waiver expires)",
  reason: " (why shipping without the check is acceptable)",
  check: " (the id of the waived check)",
};

function numberRange(s: Schema | undefined): { min: number; max: number } | null {
  if (!(s instanceof z.ZodNumber)) return null;
  const min = s.minValue;
  const max = s.maxValue;
  if (min === null || max === null || !Number.isFinite(min) || max >= Number.MAX_SAFE_INTEGER) return null;
  return { min, max };
}

function sizeMessage(issue: Extract<Issue, { code: "too_small" | "too_big" }>, value: unknown, s?: Schema) {
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  const got = `, got ${describeValue(value)}`;
  switch (issue.origin) {
    case "number": {
      const range = issue.inclusive ? numberRange(s) : null;
      if (range) return `must be between ${range.min} and ${range.max}${got}`;
      if (small) return `${issue.inclusive ? "must be at least" : "must be greater than"} ${bound}${got}`;
      return `${issue.inclusive ? "must be at most" : "must be less than"} ${bound}${got}`;
    }
    case "string":
      if (small && bound === 1) return "must not be empty";
      return `must be ${small ? "at least" : "at most"} ${bound} characters long`;
    case "array":
      return `must list ${small ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
    default:
      return issue.message;
  }
}

export interface IssueContext {
  /** The schema the data was validated with (for allowed keys and bounds). */
  schema: Schema;
  data: unknown;
  origin: OriginOf;
}

/** Every zod issue as located errors; unknown keys become one error per key, at the key. */
export function issuesToErrors(issues: readonly Issue[], ctx: IssueContext): PolicyError[] {
  const flat: Flat[] = [];
  flatten(issues, ctx.data, [], flat);
  // an unknown key in a check is usually its misspelt kind: "no kind" would only repeat that
  const unknownKeyAt = new Set(
    flat.filter((f) => f.issue.code === "unrecognized_keys").map((f) => JSON.stringify(f.path)),
  );
  const out: PolicyError[] = [];
  const suggestion = suggester();
  const push = (path: Path, message: string, where: "node" | "key" = "node") => {
    const o = ctx.origin(path);
    out.push({ file: o.src.file, ...locate(o.src, o.path, where), message: at(o.path, message) });
  };
  for (const { issue, path, message } of flat) {
    const value = valueAt(ctx.data, path);
    const mismatch =
      issue.code === "invalid_type" || issue.code === "invalid_value" || issue.code === "invalid_union";
    if (value === undefined && path.length > 0 && mismatch) {
      const key = String(path.at(-1));
      const o = ctx.origin(path.slice(0, -1));
      out.push({
        file: o.src.file,
        ...locate(o.src, o.path),
        message: at(o.path, `missing required key ${JSON.stringify(key)}${MISSING_HINTS[key] ?? ""}`),
      });
      continue;
    }
    if (message !== undefined) {
      push(path, message);
      continue;
    }
    switch (issue.code) {
      case "invalid_type": {
        if (path.length === 0) {
          push(path, `the policy must be a mapping (version: 1, checks: ...), got ${describeValue(value)}`);
        } else {
          push(path, `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${describeValue(value)}`);
        }
        break;
      }
      case "invalid_value": {
        const values = issue.values;
        const expected =
          values.length === 1 ? literal(values[0]) : `one of ${values.map(literal).join(", ")}`;
        const hint =
          typeof value === "string"
            ? suggestion(
                value,
                values.filter((v): v is string => typeof v === "string"),
              )
            : "";
        push(path, `expected ${expected}, got ${describeValue(value)}${hint}`);
        break;
      }
      case "too_small":
      case "too_big":
        push(path, sizeMessage(issue, value, schemaAt(ctx.schema, ctx.data, path)));
        break;
      case "invalid_format": {
        const own = !/^Invalid/.test(issue.message);
        push(
          path,
          `${own ? issue.message : `does not match ${"pattern" in issue ? issue.pattern : issue.format}`}, got ${describeValue(value)}`,
        );
        break;
      }
      case "unrecognized_keys": {
        const shape = schemaAt(ctx.schema, ctx.data, path);
        const allowed = shape instanceof z.ZodObject ? Object.keys(shape.shape) : [];
        for (const key of issue.keys) {
          let hint = suggestion(key, allowed);
          if (!hint && key === "<<") hint = " (YAML merge keys are not supported; repeat the values)";
          else if (!hint && allowed.length > 0 && allowed.length <= 12)
            hint = `; expected one of ${allowed.join(", ")}`;
          push([...path, key], `unknown key ${JSON.stringify(key)}${hint}`, "key");
        }
        break;
      }
      case "invalid_key": {
        const key = String(path.at(-1));
        const why = issue.issues.map((i) => i.message).join("; ");
        push(path, `invalid id ${JSON.stringify(key)}: ${why}`, "key");
        break;
      }
      case "custom": {
        const params = issue.params as { at?: string; noKind?: boolean } | undefined;
        if (params?.noKind && unknownKeyAt.has(JSON.stringify(path))) break;
        const got =
          typeof value === "string" || typeof value === "number" ? `, got ${describeValue(value)}` : "";
        push(path, `${issue.message}${got}`, params?.at === "key" ? "key" : "node");
        break;
      }
      default:
        push(path, issue.message);
    }
  }
  return out;
}
