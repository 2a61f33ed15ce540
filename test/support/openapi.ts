// Checks requests against GitHub's own OpenAPI description (@octokit/openapi, api.github.com), so a test
// cannot pass against an endpoint, parameter or enum value that GitHub does not have.
// The description is 13 MB of JSON: it is read once per test process, on first use, and indexed by method.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Scope } from "nock";
import { graphqlProblems } from "./graphql.js";

interface OpenApiParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: { enum?: unknown[]; $ref?: string; type?: string };
}

interface OpenApiOperation {
  operationId: string;
  parameters?: (OpenApiParameter | { $ref: string })[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  components: {
    parameters: Record<string, OpenApiParameter>;
    schemas: Record<string, { enum?: unknown[] }>;
  };
}

interface IndexedOperation {
  template: string;
  operationId: string;
  /** Matches a path where each `{param}` is one segment. */
  strict: RegExp;
  /** Matches a path where a `{param}` may span segments (`contents/docs/a.md`, `rules/branches/release/1`). */
  loose: RegExp;
  /** Literal characters in the template: the more, the more specific. */
  literalLength: number;
  query: Map<string, { required: boolean; enum?: string[] }>;
}

const METHODS = ["get", "put", "post", "patch", "delete", "head"] as const;
/** Parameters GitHub accepts unencoded, slashes included: file paths, branch and tag names. */
const MULTI_SEGMENT = new Set(["path", "branch", "ref", "tag", "basehead"]);

let index: Map<string, IndexedOperation[]> | undefined;

function loadIndex(): Map<string, IndexedOperation[]> {
  if (index) return index;
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const doc = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  const resolveParam = (p: OpenApiParameter | { $ref: string }): OpenApiParameter | undefined =>
    "$ref" in p ? doc.components.parameters[p.$ref.split("/").pop() ?? ""] : p;
  const enumOf = (p: OpenApiParameter): string[] | undefined => {
    const schema = p.schema?.$ref ? doc.components.schemas[p.schema.$ref.split("/").pop() ?? ""] : p.schema;
    return schema?.enum?.map(String);
  };
  const built = new Map<string, IndexedOperation[]>();
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = ((item as { parameters?: OpenApiOperation["parameters"] }).parameters ?? []).map(
      resolveParam,
    );
    for (const method of METHODS) {
      const op = item[method] as OpenApiOperation | undefined;
      if (!op) continue;
      const query = new Map<string, { required: boolean; enum?: string[] }>();
      for (const p of [...shared, ...(op.parameters ?? []).map(resolveParam)]) {
        if (p?.in === "query") query.set(p.name, { required: p.required === true, enum: enumOf(p) });
      }
      const parts = template.split(/\{[^}]+\}/).map(escapeRegExp);
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");
      const join = (spanning: boolean) =>
        parts.reduce((re, part, i) => {
          if (i === 0) return part;
          return re + (spanning && MULTI_SEGMENT.has(names[i - 1] ?? "") ? ".+" : "[^/]+") + part;
        }, "");
      const list = built.get(method.toUpperCase()) ?? [];
      list.push({
        template,
        operationId: op.operationId,
        strict: new RegExp(`^${join(false)}$`),
        loose: new RegExp(`^${join(true)}$`),
        literalLength: parts.join("").length,
        query,
      });
      built.set(method.toUpperCase(), list);
    }
  }
  for (const list of built.values()) list.sort((a, b) => b.literalLength - a.literalLength);
  index = built;
  return built;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface KnownEndpoint {
  method: string;
  template: string;
  operationId: string;
}

export type EndpointCheck = ({ ok: true } & KnownEndpoint) | { ok: false; problem: string };

export interface EndpointCheckOptions {
  /** Accept query parameters the description does not list (GitHub ignores them). Default false. */
  allowUnknownQuery?: boolean;
}

/**
 * Is `method url` an operation of api.github.com? `url` may be absolute or a path with a query string.
 * Checks the path template, required query parameters, unknown query parameters and enum values.
 */
export function checkEndpoint(
  method: string,
  url: string,
  options: EndpointCheckOptions = {},
): EndpointCheck {
  const parsed = new URL(url, "https://api.github.com");
  const where = `${method.toUpperCase()} ${parsed.pathname}${parsed.search}`;
  if (parsed.hostname !== "api.github.com") {
    return { ok: false, problem: `${where}: host ${parsed.hostname} is not api.github.com` };
  }
  const path = parsed.pathname.replace(/\/+$/, "") || "/";
  // GraphQL is not in the REST description: its queries are validated against GitHub's GraphQL schema by
  // whoever holds the body (recordRequests below, the stand-ins; see ./graphql.ts).
  if (method.toUpperCase() === "POST" && path === "/graphql" && parsed.search === "")
    return { ok: true, method: "POST", template: "/graphql", operationId: "graphql" };
  const candidates = loadIndex().get(method.toUpperCase()) ?? [];
  const op =
    candidates.find((c) => c.strict.test(path)) ??
    candidates.find((c) => c.loose.test(decodeURIComponent(path)));
  if (!op) return { ok: false, problem: `${where}: no such endpoint in GitHub's OpenAPI description` };
  const problems: string[] = [];
  for (const [name, spec] of op.query) {
    if (spec.required && !parsed.searchParams.has(name)) problems.push(`missing required query "${name}"`);
  }
  for (const [name, value] of parsed.searchParams) {
    const spec = op.query.get(name);
    if (!spec) {
      if (!options.allowUnknownQuery) problems.push(`unknown query parameter "${name}"`);
      continue;
    }
    if (spec.enum && !spec.enum.includes(value)) {
      problems.push(`query "${name}=${value}" is not one of ${spec.enum.join(", ")}`);
    }
  }
  if (problems.length) {
    return { ok: false, problem: `${where} (${op.operationId}, ${op.template}): ${problems.join("; ")}` };
  }
  return { ok: true, method: method.toUpperCase(), template: op.template, operationId: op.operationId };
}

/** Throws unless `method url` is a known api.github.com operation with its required parameters. */
export function expectKnownEndpoint(
  method: string,
  url: string,
  options: EndpointCheckOptions = {},
): KnownEndpoint {
  const result = checkEndpoint(method, url, options);
  if (!result.ok) throw new Error(result.problem);
  return { method: result.method, template: result.template, operationId: result.operationId };
}

export interface RecordedRequest {
  method: string;
  /** Absolute URL, query included. */
  url: string;
  /** Path and query, as nock saw it. */
  path: string;
  headers: Record<string, string>;
  /** The OpenAPI operation, when known. */
  operationId?: string;
}

export interface RequestRecorder {
  readonly requests: RecordedRequest[];
  /** Requests whose endpoint is not in the description, or lacks a required parameter. */
  readonly problems: string[];
  /** Requests whose method + path (without query) starts with `prefix`, e.g. "GET /repos/o/r/commits". */
  count(prefix?: string): number;
  /** Throws listing every request that is not a known endpoint. */
  assertAllKnown(): void;
  /** Stops listening. */
  stop(): void;
}

interface NockRequestLike {
  method?: string;
  path?: string;
  headers?: Record<string, string | string[] | undefined>;
}

interface NockInterceptorLike {
  basePath?: string;
}

/**
 * Records every request the given nock scopes intercept and checks each against the OpenAPI description.
 * Requests to other hosts (artifact storage) are recorded but not checked.
 */
export function recordRequests(scopes: Scope | Scope[], options: EndpointCheckOptions = {}): RequestRecorder {
  const list = Array.isArray(scopes) ? scopes : [scopes];
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const listener = (req: NockRequestLike, interceptor: NockInterceptorLike, body?: string) => {
    const base = (interceptor.basePath ?? "https://api.github.com").replace(/:443$/, "");
    const path = req.path ?? "/";
    const method = (req.method ?? "GET").toUpperCase();
    const url = `${base}${path}`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
    }
    const recorded: RecordedRequest = { method, url, path, headers };
    if (new URL(url).hostname === "api.github.com") {
      const check = checkEndpoint(method, url, options);
      if (check.ok) recorded.operationId = check.operationId;
      else problems.push(check.problem);
      if (check.ok && check.operationId === "graphql") {
        let query: unknown;
        try {
          query = (JSON.parse(body ?? "") as { query?: unknown }).query;
        } catch {
          // not JSON: reported below
        }
        const complaints = typeof query === "string" ? graphqlProblems(query) : ["no query in the body"];
        for (const c of complaints) problems.push(`POST /graphql: ${c}`);
      }
    }
    requests.push(recorded);
  };
  for (const scope of list) scope.on("request", listener);
  return {
    requests,
    problems,
    count(prefix?: string) {
      if (!prefix) return requests.length;
      return requests.filter((r) => `${r.method} ${r.path.split("?")[0]}`.startsWith(prefix)).length;
    },
    assertAllKnown() {
      if (problems.length)
        throw new Error(`requests outside GitHub's REST and GraphQL APIs:\n${problems.join("\n")}`);
    },
    stop() {
      for (const scope of list) scope.removeListener("request", listener);
    },
  };
}
