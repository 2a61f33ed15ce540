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

/** `dest` 1 (stdout) for the server; the reconcile command logs to 2 and prints its result on 1. */
export async function createLogger(
  settings: Pick<Settings, "logLevel" | "logFormat">,
  dest: 1 | 2 = 1,
): Promise<Logger> {
  const options: pino.LoggerOptions = {
    level: settings.logLevel,
    name: "readiness-gate",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
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
