// At start the server proves its settings against GitHub: one request as the App (GET /app, signed with a JWT
// from APP_ID and the private key) at GITHUB_API_URL. Until it succeeds /readyz answers 503, so a wrong key,
// a wrong APP_ID or an unreachable host shows at deploy time instead of as failed webhooks later. Each distinct
// problem is one log line naming the setting to fix; the check is retried with backoff, so an outage heals.
import { ProbotOctokit } from "probot";
import type { Settings } from "./config.js";
import { explainStartupFailure, type StartupFailure } from "./credentials.js";

export interface StartupLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type StartupSettings = Pick<
  Settings,
  "appId" | "privateKey" | "baseUrl" | "baseUrlSetting" | "privateKeySetting" | "githubTimeoutMs"
>;

export interface StartupCheckOptions {
  /** First retry after this long, doubling up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface StartupCheck {
  /** Null once GitHub accepted the App; otherwise why not (yet). */
  readonly problem: string | null;
  /** Runs the first attempt (resolved when it is done) and keeps retrying in the background until one succeeds. */
  start(): Promise<void>;
  stop(): void;
}

export interface AppInfo {
  id?: unknown;
  slug?: unknown;
  name?: unknown;
}

export type Verified = { ok: true; app: AppInfo } | { ok: false; failure: StartupFailure };

function appClient(settings: StartupSettings) {
  return new ProbotOctokit({
    auth: { appId: settings.appId, privateKey: settings.privateKey },
    baseUrl: settings.baseUrl,
    // Retried by the caller, with a line per distinct problem; Octokit's own request log stays out of it.
    retry: { enabled: false },
    throttle: { enabled: false },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

/** One GET /app as the App: does GitHub at the base URL accept APP_ID and the private key? */
export async function verifyApp(
  settings: StartupSettings,
  octokit: ReturnType<typeof appClient> = appClient(settings),
): Promise<Verified> {
  try {
    const { data } = await octokit.request("GET /app", {
      request: { signal: AbortSignal.timeout(settings.githubTimeoutMs) },
    });
    const app = data as AppInfo | string | null;
    if (!app || typeof app !== "object" || app.id === undefined)
      throw Object.assign(new Error("the answer is not a GitHub App"), { status: 200, response: {} });
    return { ok: true, app };
  } catch (error) {
    return { ok: false, failure: explainStartupFailure(error, settings) };
  }
}

export function startupCheck(
  settings: StartupSettings,
  log: StartupLog,
  options: StartupCheckOptions = {},
): StartupCheck {
  const initial = options.initialDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 300_000;
  let problem: string | null = "GitHub credentials not checked yet";
  let said: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const octokit = appClient(settings);

  async function attempt(): Promise<boolean> {
    const result = await verifyApp(settings, octokit);
    if (result.ok) {
      const healed = said !== null;
      problem = null;
      said = null;
      log.info(
        { appId: settings.appId, app: result.app.slug ?? result.app.name, baseUrl: settings.baseUrl },
        healed ? "GitHub accepts the App's credentials again: ready" : "GitHub accepts the App's credentials",
      );
      return true;
    }
    const { message, setting } = result.failure;
    problem = message;
    if (message !== said) log.error({ setting }, message);
    else log.debug({ setting }, message);
    said = message;
    return false;
  }

  function retry(delay: number): void {
    if (stopped) return;
    timer = setTimeout(async () => {
      if (!(await attempt())) retry(Math.min(delay * 2, max));
    }, delay);
    timer.unref();
  }

  return {
    get problem() {
      return problem;
    },
    async start() {
      if (!(await attempt())) retry(initial);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
