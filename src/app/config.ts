// Server settings from the environment, validated before anything starts. Probot falls back silently on
// several of them (a "development" webhook secret, a stray *.pem in the working directory, localhost), so the
// server reads them itself and refuses to start with one line that says what is wrong.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Settings {
  appId: number;
  /** PEM text; never logged. */
  privateKey: string;
  webhookSecret: string;
  webhookPath: string;
  /** A smee.io channel forwarding webhooks to a local server (development only). */
  webhookProxyUrl: string | null;
  port: number;
  host: string;
  logLevel: LogLevel;
  logFormat: "json" | "pretty";
  /** REST base URL (GITHUB_API_URL): https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  baseUrl: string;
  /** The setting the base URL came from, for messages: "GITHUB_API_URL", "GHE_HOST" or "GITHUB_API_URL (default)". */
  baseUrlSetting: string;
  /** The setting the key came from: "PRIVATE_KEY" or "PRIVATE_KEY_PATH". */
  privateKeySetting: "PRIVATE_KEY" | "PRIVATE_KEY_PATH";
  /** Re-evaluate time-sensitive release PRs every N minutes; null: off. */
  reconcileIntervalMinutes: number | null;
  /** Evaluate every repository's default branch for the dashboard every N minutes; null: off. */
  sweepIntervalMinutes: number | null;
  /** Requests per installation per sweep, before the hourly ceiling (src/app/sweep.ts). */
  sweepRequestBudget: number;
  queueConcurrency: number;
  queueMaxQueued: number;
  /** How long SIGTERM waits for queued and running evaluations. */
  drainTimeoutMs: number;
  /** Bound on one GitHub request, retries included: a hung connection must not hold a queue slot. */
  githubTimeoutMs: number;
  /** /metrics needs `Authorization: Bearer <token>` when set. */
  metricsToken: string | null;
  /** /metrics is served on this port (same HOST) instead of the webhook port when set. */
  metricsPort: number | null;
  /** Webhook body bytes held across all deliveries at once (WEBHOOK_MAX_INFLIGHT_MB); past it, 503. */
  webhookMaxInflightBytes: number;
}

export type SettingsResult =
  | { ok: true; settings: Settings /** Deprecated settings in use, one line each. */; warnings: string[] }
  | { ok: false; message: string };

export interface ReadOptions {
  /** The reconcile command authenticates as the App but receives no webhooks. */
  requireWebhookSecret?: boolean;
  readFile?: (path: string) => string;
}

type Env = Record<string, string | undefined>;

/** The shortest sweep interval: 5 minutes leave a sweep 83 requests under the hourly ceiling of 1,000. */
export const MIN_SWEEP_INTERVAL_MINUTES = 5;
/** SWEEP_REQUEST_BUDGET's default: requests per installation per sweep (src/app/sweep.ts). */
export const DEFAULT_SWEEP_BUDGET = 250;

const DEV_SECRET = "development";

function positiveInt(env: Env, name: string, fallback: number, problems: string[], max = 1_000_000): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    problems.push(`${name} must be a whole number between 1 and ${max}, got "${raw}"`);
    return fallback;
  }
  return n;
}

/** PRIVATE_KEY may be PEM, PEM with literal "\n", or base64 of PEM (as @probot/get-private-key accepts). */
function normaliseKey(raw: string): string {
  let text = raw.trim();
  if (!text.includes("-----BEGIN")) {
    const decoded = Buffer.from(text, "base64").toString("utf8");
    if (decoded.includes("-----BEGIN")) text = decoded.trim();
  }
  return text.replace(/\\n/g, "\n");
}

function readKey(env: Env, problems: string[], readFile: (p: string) => string): string {
  const inline = env.PRIVATE_KEY?.trim();
  const path = env.PRIVATE_KEY_PATH?.trim();
  let text: string;
  let source: string;
  if (inline) {
    text = normaliseKey(inline);
    source = "PRIVATE_KEY";
  } else if (path) {
    try {
      text = normaliseKey(readFile(path));
    } catch (e) {
      problems.push(
        `PRIVATE_KEY_PATH ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      );
      return "";
    }
    source = `PRIVATE_KEY_PATH ${path}`;
  } else {
    // Probot would otherwise pick up any single *.pem in the working directory: never guess a credential.
    problems.push(
      "PRIVATE_KEY or PRIVATE_KEY_PATH is not set (a *.pem in the working directory is not used)",
    );
    return "";
  }
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== "rsa") throw new Error("not RSA");
  } catch {
    // The message names the source only: a key must never reach a log, not even a broken one.
    problems.push(`${source} is not an RSA private key in PEM format`);
    return "";
  }
  return text;
}

export function readSettings(env: Env, options: ReadOptions = {}): SettingsResult {
  const problems: string[] = [];
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, "utf8"));

  const appIdRaw = env.APP_ID?.trim();
  let appId = 0;
  if (!appIdRaw) problems.push("APP_ID is not set");
  else if (!/^\d+$/.test(appIdRaw) || Number(appIdRaw) < 1)
    problems.push(`APP_ID must be a number, got "${appIdRaw}"`);
  else appId = Number(appIdRaw);

  const privateKey = readKey(env, problems, readFile);

  const webhookSecret = env.WEBHOOK_SECRET ?? "";
  if (options.requireWebhookSecret !== false) {
    if (!webhookSecret) problems.push("WEBHOOK_SECRET is not set");
    else if (webhookSecret === DEV_SECRET && env.NODE_ENV !== "development")
      problems.push(
        `WEBHOOK_SECRET is Probot's "${DEV_SECRET}" default; that is allowed with NODE_ENV=development only`,
      );
  }

  let port = 3000;
  const portRaw = env.PORT?.trim();
  if (portRaw) {
    const n = Number(portRaw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`PORT must be 0-65535, got "${portRaw}"`);
    else port = n;
  }

  // Shorter tokens can be guessed; a token with spaces cannot be sent as a bearer token.
  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && !/^[\x21-\x7e]{16,}$/.test(metricsToken))
    problems.push("METRICS_TOKEN must be at least 16 printable characters without spaces");
  let metricsPort: number | null = null;
  const metricsPortRaw = env.METRICS_PORT?.trim();
  if (metricsPortRaw) {
    const n = Number(metricsPortRaw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      problems.push(`METRICS_PORT must be 1-65535, got "${metricsPortRaw}"`);
    else if (n === port) problems.push("METRICS_PORT must differ from PORT");
    else metricsPort = n;
  }

  const logLevel = (env.LOG_LEVEL?.trim() || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const logFormatRaw = env.LOG_FORMAT?.trim() || "json";
  if (logFormatRaw !== "json" && logFormatRaw !== "pretty")
    problems.push("LOG_FORMAT must be json or pretty");
  const logFormat = logFormatRaw === "pretty" ? "pretty" : "json";

  const api = readApiUrl(env, problems);
  const warnings = api.warnings;

  let reconcileIntervalMinutes: number | null = null;
  if (env.RECONCILE_INTERVAL_MINUTES?.trim())
    reconcileIntervalMinutes = positiveInt(env, "RECONCILE_INTERVAL_MINUTES", 60, problems, 7 * 24 * 60);

  let sweepIntervalMinutes: number | null = null;
  if (env.SWEEP_INTERVAL_MINUTES?.trim())
    sweepIntervalMinutes = positiveInt(env, "SWEEP_INTERVAL_MINUTES", 60, problems, 7 * 24 * 60);
  // Under the hourly ceiling a sweep every few minutes would get less than one evaluation's requests.
  if (sweepIntervalMinutes !== null && sweepIntervalMinutes < MIN_SWEEP_INTERVAL_MINUTES)
    problems.push(
      `SWEEP_INTERVAL_MINUTES must be at least ${MIN_SWEEP_INTERVAL_MINUTES}, got ${sweepIntervalMinutes}: a shorter interval leaves each sweep too few requests to evaluate a repository`,
    );

  const webhookPath = env.WEBHOOK_PATH?.trim() || "/api/github/webhooks";
  if (!webhookPath.startsWith("/")) problems.push("WEBHOOK_PATH must start with /");

  const webhookProxyUrl = env.WEBHOOK_PROXY_URL?.trim() || null;
  if (webhookProxyUrl && !/^https?:\/\/\S+$/.test(webhookProxyUrl))
    problems.push("WEBHOOK_PROXY_URL must be an http(s) URL");

  const settings: Settings = {
    appId,
    privateKey,
    webhookSecret,
    webhookPath,
    webhookProxyUrl,
    port,
    host: env.HOST?.trim() || "localhost",
    logLevel,
    logFormat,
    baseUrl: api.baseUrl,
    baseUrlSetting: api.setting,
    privateKeySetting: env.PRIVATE_KEY?.trim() ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH",
    reconcileIntervalMinutes,
    sweepIntervalMinutes,
    sweepRequestBudget: positiveInt(env, "SWEEP_REQUEST_BUDGET", DEFAULT_SWEEP_BUDGET, problems, 5_000),
    queueConcurrency: positiveInt(env, "QUEUE_CONCURRENCY", 4, problems, 64),
    queueMaxQueued: positiveInt(env, "QUEUE_MAX", 500, problems, 100_000),
    drainTimeoutMs: positiveInt(env, "DRAIN_TIMEOUT_SECONDS", 25, problems, 3600) * 1000,
    githubTimeoutMs: positiveInt(env, "GITHUB_TIMEOUT_MS", 30_000, problems, 600_000),
    metricsToken,
    metricsPort,
    webhookMaxInflightBytes: positiveInt(env, "WEBHOOK_MAX_INFLIGHT_MB", 64, problems, 4096) * 1024 * 1024,
  };
  if (problems.length > 0) return { ok: false, message: `cannot start: ${problems.join("; ")}` };
  return { ok: true, settings, warnings };
}

export const DEFAULT_API_URL = "https://api.github.com";

/**
 * A REST API base URL as GITHUB_API_URL gives it (what GitHub Actions sets in every job): http(s), no query,
 * no trailing slash. Null with a reason when it is not one.
 */
export function parseApiUrl(raw: string): { url: string } | { problem: string } {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return {
      problem: `GITHUB_API_URL must be a URL such as https://github.example.com/api/v3, got "${raw}"`,
    };
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return { problem: `GITHUB_API_URL must be an http(s) URL, got "${raw}"` };
  if (u.search || u.hash || u.username || u.password)
    return { problem: `GITHUB_API_URL must not carry a query, fragment or credentials, got "${raw}"` };
  return { url: `${u.origin}${u.pathname}`.replace(/\/+$/, "") };
}

/**
 * The GitHub API location: GITHUB_API_URL, the one name the App and the CLI read. Probot's GHE_HOST and
 * GHE_PROTOCOL are still accepted (with a deprecation line) when GITHUB_API_URL is unset.
 */
function readApiUrl(env: Env, problems: string[]): { baseUrl: string; setting: string; warnings: string[] } {
  const warnings: string[] = [];
  const gheHost = env.GHE_HOST?.trim();
  const explicit = env.GITHUB_API_URL?.trim();
  if (explicit) {
    if (gheHost)
      warnings.push("GHE_HOST is ignored: GITHUB_API_URL is set; remove GHE_HOST and GHE_PROTOCOL");
    const parsed = parseApiUrl(explicit);
    if ("problem" in parsed) problems.push(parsed.problem);
    return { baseUrl: "url" in parsed ? parsed.url : DEFAULT_API_URL, setting: "GITHUB_API_URL", warnings };
  }
  if (!gheHost) return { baseUrl: DEFAULT_API_URL, setting: "GITHUB_API_URL (default)", warnings };
  const protocol = env.GHE_PROTOCOL?.trim() || "https";
  if (protocol !== "https" && protocol !== "http") problems.push("GHE_PROTOCOL must be https or http");
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(gheHost)) {
    problems.push(
      `GHE_HOST must be a host name with an optional port (no scheme, no path), got "${gheHost}"`,
    );
    return { baseUrl: DEFAULT_API_URL, setting: "GHE_HOST", warnings };
  }
  const baseUrl = `${protocol}://${gheHost}/api/v3`;
  warnings.push(`GHE_HOST and GHE_PROTOCOL are deprecated: set GITHUB_API_URL=${baseUrl} instead`);
  return { baseUrl, setting: "GHE_HOST", warnings };
}
