// The server's logger: pino JSON by default (one object per line, with delivery id, repository and sha on
// job logs). Secrets are redacted by path as a second line of defence: nothing logs them on purpose.
// Every line has one `name` ("readiness-gate"); Probot's and pino-http's child loggers, which each set a
// `name` of their own, become `component` (pino would write a second `name` key). Requests are logged with
// the headers of an allow-list only, and health probes and webhook deliveries (which the App logs itself)
// at debug.
import type { IncomingMessage, ServerResponse } from "node:http";
import pino, { type Logger } from "pino";
import type { Settings } from "./config.js";

/** Request headers a log line may show. Any other (signatures, cookies, tokens a proxy adds) is left out. */
export const LOGGED_REQUEST_HEADERS = [
  "user-agent",
  "content-type",
  "content-length",
  "x-github-event",
  "x-github-delivery",
  "x-github-hook-id",
  "x-github-hook-installation-target-type",
  "x-github-hook-installation-target-id",
  "x-request-id",
] as const;
export const LOGGED_RESPONSE_HEADERS = ["content-type", "content-length"] as const;

/** Routes logged at debug when they succeed: probes and scrapes come every few seconds. */
const PROBES = new Set(["/healthz", "/readyz", "/metrics", "/ping"]);

type Headers = Record<string, unknown>;

function pick(headers: Headers | undefined, allowed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of allowed) if (headers?.[name] !== undefined) out[name] = headers[name];
  return out;
}

const pathOnly = (url: unknown): string => (typeof url === "string" ? url.split("?")[0]! : "");

/** A request as logged: id, method, path (the query may carry tokens) and allow-listed headers. */
export function serializeRequest(req: unknown): Record<string, unknown> {
  const r = (req ?? {}) as Partial<IncomingMessage> & { id?: unknown; raw?: IncomingMessage };
  const raw = r.raw ?? r;
  return {
    ...(r.id !== undefined ? { id: r.id } : {}),
    method: raw.method,
    url: pathOnly(raw.url),
    headers: pick(raw.headers as Headers, LOGGED_REQUEST_HEADERS),
  };
}

export function serializeResponse(res: unknown): Record<string, unknown> {
  const r = (res ?? {}) as Partial<ServerResponse> & { headers?: Headers };
  const headers = typeof r.getHeaders === "function" ? (r.getHeaders() as Headers) : r.headers;
  return { statusCode: r.statusCode, headers: pick(headers, LOGGED_RESPONSE_HEADERS) };
}

/**
 * pino-http's "GET /healthz 200" line for a probe (whatever its status: a 503 /readyz every few seconds says
 * nothing the log has not said), or a webhook delivery the App logged on its own.
 */
function quietAccessLine(res: ServerResponse, webhookPath: string | undefined): boolean {
  const req = res.req;
  const path = pathOnly(req.url).replace(/\/+$/, "") || "/";
  if (PROBES.has(path)) return true;
  if (res.statusCode >= 500) return false;
  return req.method === "POST" && webhookPath !== undefined && path === webhookPath.replace(/\/+$/, "");
}

/**
 * An access line as logged: without the query in its message, and without the stack of the Error pino-http
 * makes up for a 5xx ("failed with status code 503"); at debug when quiet. Null for anything else.
 */
function accessLine(
  args: unknown[],
  webhookPath: string | undefined,
): { args: unknown[]; quiet: boolean } | null {
  const [obj, msg, ...rest] = args;
  const res = (obj as { res?: ServerResponse } | null)?.res;
  if (!res?.req || typeof res.statusCode !== "number") return null;
  const { err, ...fields } = obj as { err?: Error };
  const made = err instanceof Error && /^failed with status code \d+$/.test(err.message);
  const url = res.req.url ?? "";
  const text = typeof msg === "string" ? msg.replace(url, pathOnly(url)) : msg;
  return { args: [made ? fields : obj, text, ...rest], quiet: quietAccessLine(res, webhookPath) };
}

const COMPONENT = Symbol("readiness.component");
type Named = Logger & { [COMPONENT]?: string };

/**
 * Children created with `{ name }` carry it as `component` (written by the mixin), and keep this module's
 * request, response and error serializers when pino-http passes its own.
 */
function componentChildren(logger: Logger): Logger {
  type Child = (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = logger.child as unknown as Child;
  const patched: Child = function (this: Logger, bindings = {}, options?: pino.ChildLoggerOptions) {
    const { name, ...rest } = bindings as { name?: unknown };
    let opts = options;
    if (options?.serializers) {
      const { req: _req, res: _res, err: _err, ...others } = options.serializers;
      opts = { ...options, serializers: others };
    }
    const made = child.call(this, rest, opts) as Named;
    if (typeof name === "string") made[COMPONENT] = name;
    return made;
  };
  logger.child = patched as unknown as Logger["child"];
  return logger;
}

export const REDACT_PATHS = [
  "privateKey",
  "*.privateKey",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "request.headers.authorization",
  "*.request.headers.authorization",
  "err.request.headers.authorization",
  "err.response.data.token",
];

type Serialized = Record<string, unknown> & { aggregateErrors?: unknown[]; event?: unknown };

/**
 * Errors as pino serialises them, but a webhook event attached to one (@octokit/webhooks attaches the
 * delivery to a signature error, Probot logs it twice) keeps its id and name only: its payload is unverified
 * input, as large as the body limit, and would be copied into the log whole by anyone who can POST.
 */
export function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown;
  const strip = (e: unknown, depth: number): void => {
    if (!e || typeof e !== "object" || depth > 3) return;
    const o = e as Serialized;
    if (o.event && typeof o.event === "object") {
      const { id, name } = o.event as { id?: unknown; name?: unknown };
      o.event = { id, name };
    }
    for (const inner of o.aggregateErrors ?? []) strip(inner, depth + 1);
  };
  strip(out, 0);
  return out;
}

/** `dest` 1 (stdout) for the server; the reconcile command logs to 2 and prints its result on 1. */
export async function createLogger(
  settings: Pick<Settings, "logLevel" | "logFormat"> & Partial<Pick<Settings, "webhookPath">>,
  dest: 1 | 2 = 1,
): Promise<Logger> {
  const options: pino.LoggerOptions = {
    level: settings.logLevel,
    name: "readiness-gate",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError, req: serializeRequest, res: serializeResponse },
    mixin: (_merge, _level, logger) => {
      const component = (logger as Named)[COMPONENT];
      return component ? { component } : {};
    },
    hooks: {
      logMethod(args, method, level) {
        const access = level === 30 ? accessLine(args, settings.webhookPath) : null;
        if (!access) return method.apply(this, args);
        const call = (access.quiet ? this.debug : method) as (...a: unknown[]) => void;
        // pino's own methods go through this hook again (at debug level), which leaves them alone.
        return call.apply(this, access.args);
      },
    },
  };
  if (settings.logFormat === "pretty") {
    try {
      // Probot's own pretty printer, when it is installed (it comes with probot).
      const { getTransformStream } = await import("@probot/pino");
      const transform = await getTransformStream({ logFormat: "pretty" });
      transform.pipe(pino.destination({ dest, sync: true }) as unknown as NodeJS.WritableStream);
      return componentChildren(pino(options, transform));
    } catch {
      // fall through to JSON
    }
  }
  return componentChildren(pino(options, pino.destination({ dest, sync: true })));
}
