// Turning a failed request into a sentence a person can act on: what could not be read, what GitHub said,
// and, when it is a permission problem, which permission of the app is missing.

export interface Failure {
  /** HTTP status, or null when GitHub never answered (DNS, TLS, reset, timeout). */
  status: number | null;
  /** GitHub's message, without the documentation link. */
  message: string;
  headers: Record<string, string | number | undefined>;
}

export interface Permission {
  /** As GitHub's settings page names it: "Dependabot alerts: read". */
  label: string;
  /** As app manifests and `x-accepted-github-permissions` name it: "vulnerability_alerts". */
  key: string;
}

export const PERMISSIONS = {
  contents: { label: "Contents: read", key: "contents" },
  actions: { label: "Actions: read", key: "actions" },
  checks: { label: "Checks: read", key: "checks" },
  statuses: { label: "Commit statuses: read", key: "statuses" },
  metadata: { label: "Metadata: read", key: "metadata" },
  pullRequests: { label: "Pull requests: read", key: "pull_requests" },
  dependabot: { label: "Dependabot alerts: read", key: "vulnerability_alerts" },
  codeScanning: { label: "Code scanning alerts: read", key: "security_events" },
  secretScanning: { label: "Secret scanning alerts: read", key: "secret_scanning_alerts" },
} as const satisfies Record<string, Permission>;

/** Accepts anything thrown by @octokit/request (RequestError) or by fetch. */
export function toFailure(error: unknown): Failure {
  const e = (error ?? {}) as {
    status?: unknown;
    message?: unknown;
    response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
  };
  const raw = typeof e.message === "string" ? e.message : String(error);
  const message = cleanMessage(raw);
  // @octokit/request reports a failed fetch (no HTTP answer at all) as status 500 without a response.
  if (typeof e.status !== "number" || !e.response) return { status: null, message, headers: {} };
  return { status: e.status, message, headers: e.response.headers ?? {} };
}

function cleanMessage(message: string): string {
  const text = message
    .replace(/\s+-\s+https:\/\/docs\.github\.com\S*/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

const header = (f: Failure, name: string): string | undefined => {
  const v = f.headers[name];
  return v === undefined ? undefined : String(v);
};

export function isRateLimited(f: Failure): boolean {
  if (f.status !== 403 && f.status !== 429) return false;
  return (
    header(f, "x-ratelimit-remaining") === "0" ||
    header(f, "retry-after") !== undefined ||
    /rate limit/i.test(f.message)
  );
}

export function isPermissionDenied(f: Failure): boolean {
  return f.status === 403 && /not accessible by (integration|personal access token)/i.test(f.message);
}

/**
 * "<subject>: <what went wrong>", e.g.
 * "Dependabot alerts: GitHub refused (403 Resource not accessible by integration); the app needs the
 *  Dependabot alerts: read permission (vulnerability_alerts)".
 */
export function explain(f: Failure, subject: string, permission?: Permission, actor = "the app"): string {
  const said = f.message ? ` ${f.message}` : "";
  if (f.status === null) return `${subject}: could not reach GitHub (${f.message || "no answer"})`;
  if (f.status === 401) return `${subject}: GitHub rejected the credentials (401${said})`;
  if (isRateLimited(f)) {
    const reset = Number(header(f, "x-ratelimit-reset"));
    const until = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : "";
    return header(f, "x-ratelimit-remaining") === "0"
      ? `${subject}: GitHub's API rate limit for this installation is used up${until} (${f.status})`
      : `${subject}: GitHub's secondary rate limit was hit (${f.status}${said}); try again in a minute`;
  }
  if (isPermissionDenied(f)) {
    const accepted = header(f, "x-accepted-github-permissions");
    const needed = permission
      ? `${actor} needs the ${permission.label} permission (${permission.key})`
      : accepted
        ? `${actor} needs the permission ${accepted}`
        : `${actor} lacks a permission for it`;
    return `${subject}: GitHub refused (403${said}); ${needed}`;
  }
  if (f.status === 404) {
    return `${subject}: not found (404${said}); it does not exist or ${actor} cannot see it`;
  }
  if (f.status >= 500) return `${subject}: GitHub answered ${f.status}${said}`;
  return `${subject}: GitHub answered ${f.status}${said}`;
}

/** Errors as logged: message, status, stack; never the request (its headers carry the token). */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { status?: number };
  return { type: e.name, message: e.message, ...(e.status ? { status: e.status } : {}), stack: e.stack };
}
