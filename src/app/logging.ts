// The server's logger: pino JSON by default (one object per line, with delivery id, repository and sha on
// job logs). Secrets are redacted by path as a second line of defence: nothing logs them on purpose.
import pino, { type Logger } from "pino";
import type { Settings } from "./config.js";

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
  settings: Pick<Settings, "logLevel" | "logFormat">,
  dest: 1 | 2 = 1,
): Promise<Logger> {
  const options: pino.LoggerOptions = {
    level: settings.logLevel,
    name: "readiness-gate",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
  };
  if (settings.logFormat === "pretty") {
    try {
      // Probot's own pretty printer, when it is installed (it comes with probot).
      const { getTransformStream } = await import("@probot/pino");
      const transform = await getTransformStream({ logFormat: "pretty" });
      transform.pipe(pino.destination({ dest, sync: true }) as unknown as NodeJS.WritableStream);
      return pino(options, transform);
    } catch {
      // fall through to JSON
    }
  }
  return pino(options, pino.destination({ dest, sync: true }));
}
