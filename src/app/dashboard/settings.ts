// The dashboard's settings (docs/dashboard.md). GITHUB_CLIENT_ID turns it on; then the App's OAuth client
// secret and a SESSION_SECRET are required (outside NODE_ENV=development), or the server does not start.
import { createHash, randomBytes } from "node:crypto";

export interface DashboardSettings {
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** Keys the session cookies are signed and the user tokens in them encrypted with. */
  sessionSecret: string;
  /** True when no SESSION_SECRET was given (development): sessions end with the process. */
  ephemeralSecret: boolean;
  /** GitHub's web origin for the OAuth pages: https://github.com, https://HOST on GHES. */
  webUrl: string;
  /** The REST API base (GITHUB_API_URL). */
  apiUrl: string;
  /** Where people reach this server (DASHBOARD_URL), for the OAuth redirect; null: the App's callback URL. */
  publicUrl: string | null;
  /** Cookies carry Secure unless DASHBOARD_URL is plain http (a local server). */
  secureCookies: boolean;
  sessionSeconds: number;
  /** How long the repositories a viewer may read are believed before asking GitHub again. */
  accessTtlSeconds: number;
  /** Read-only API tokens for automation (DASHBOARD_API_TOKENS), each scoped to one installation; kept hashed. */
  apiTokens: { installationId: number; sha256: Buffer }[];
}

export const tokenDigest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

/**
 * `INSTALLATION_ID:TOKEN` entries, separated by commas or spaces. Messages name the entry's position, never
 * the token.
 */
function readApiTokens(raw: string | undefined, problems: string[]): DashboardSettings["apiTokens"] {
  const out: DashboardSettings["apiTokens"] = [];
  const entries = (raw ?? "").split(/[\s,]+/).filter(Boolean);
  entries.forEach((entry, i) => {
    const m = /^(\d{1,12}):([A-Za-z0-9._~+/=-]{32,256})$/.exec(entry);
    if (!m || Number(m[1]) < 1)
      problems.push(
        `DASHBOARD_API_TOKENS entry ${i + 1} must be INSTALLATION_ID:TOKEN with a token of 32 to 256 letters, digits or ._~+/=-`,
      );
    else out.push({ installationId: Number(m[1]), sha256: tokenDigest(m[2]!) });
  });
  return out;
}

type Env = Record<string, string | undefined>;

export type DashboardSettingsResult =
  | { ok: true; settings: DashboardSettings | null; warnings: string[] }
  | { ok: false; message: string };

/** GitHub's web origin from the REST base: api.github.com → github.com; https://HOST/api/v3 → https://HOST. */
export function webUrlFor(apiUrl: string): string | null {
  const u = new URL(apiUrl);
  if (u.hostname === "api.github.com") return "https://github.com";
  if (/\/api\/v3\/?$/.test(u.pathname)) return `${u.origin}${u.pathname.replace(/\/api\/v3\/?$/, "")}`;
  return null;
}

function httpUrl(raw: string, name: string, problems: string[]): string | null {
  try {
    const u = new URL(raw);
    if ((u.protocol === "https:" || u.protocol === "http:") && !u.search && !u.hash && !u.username)
      return `${u.origin}${u.pathname}`.replace(/\/+$/, "");
  } catch {
    // said below
  }
  problems.push(`${name} must be an http(s) URL without query or credentials, got "${raw}"`);
  return null;
}

export function readDashboardSettings(env: Env, apiUrl: string): DashboardSettingsResult {
  const clientId = env.GITHUB_CLIENT_ID?.trim();
  if (!clientId) return { ok: true, settings: null, warnings: [] };
  const problems: string[] = [];
  const warnings: string[] = [];
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim() ?? "";
  if (!clientSecret)
    problems.push("GITHUB_CLIENT_SECRET is not set (GITHUB_CLIENT_ID turns the dashboard on)");
  let sessionSecret = env.SESSION_SECRET?.trim() ?? "";
  let ephemeralSecret = false;
  if (!sessionSecret) {
    if (env.NODE_ENV === "development") {
      sessionSecret = randomBytes(32).toString("base64url");
      ephemeralSecret = true;
      warnings.push("SESSION_SECRET is not set: a random one is used, sessions end when the process does");
    } else problems.push("SESSION_SECRET is not set: the dashboard's sessions cannot be signed");
  } else if (sessionSecret.length < 32) problems.push("SESSION_SECRET must be at least 32 characters");

  const publicRaw = env.DASHBOARD_URL?.trim();
  const publicUrl = publicRaw ? httpUrl(publicRaw, "DASHBOARD_URL", problems) : null;
  const webRaw = env.GITHUB_WEB_URL?.trim();
  const webUrl = webRaw ? httpUrl(webRaw, "GITHUB_WEB_URL", problems) : webUrlFor(apiUrl);
  if (!webUrl && !webRaw)
    problems.push(`GITHUB_WEB_URL is not set and cannot be told from GITHUB_API_URL ${apiUrl}`);

  const hours = Number(env.SESSION_HOURS?.trim() || 8);
  if (!Number.isInteger(hours) || hours < 1 || hours > 168)
    problems.push(`SESSION_HOURS must be a whole number between 1 and 168, got "${env.SESSION_HOURS}"`);
  const ttl = Number(env.DASHBOARD_ACCESS_TTL_SECONDS?.trim() || 300);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600)
    problems.push(
      `DASHBOARD_ACCESS_TTL_SECONDS must be a whole number between 0 and 3600, got "${env.DASHBOARD_ACCESS_TTL_SECONDS}"`,
    );
  const apiTokens = readApiTokens(env.DASHBOARD_API_TOKENS, problems);
  if (problems.length > 0) return { ok: false, message: `cannot start: ${problems.join("; ")}` };
  return {
    ok: true,
    warnings,
    settings: {
      clientId,
      clientSecret,
      sessionSecret,
      ephemeralSecret,
      webUrl: webUrl!,
      apiUrl,
      publicUrl,
      secureCookies: !publicUrl?.startsWith("http://"),
      sessionSeconds: hours * 3600,
      accessTtlSeconds: ttl,
      apiTokens,
    },
  };
}
