// The GitHub requests of signing in and of deciding access, with the viewer's own user-to-server token:
// the OAuth web flow (authorize URL, code → token), GET /user, GET /user/installations and
// GET /user/installations/{id}/repositories. Every request has a deadline; lists are paged and bounded.
import type { DashboardSettings } from "./settings.js";

/** Bounds: a viewer with more than this is shown the first ones only (fewer, never more). */
export const ACCESS_LIMITS = {
  perPage: 100,
  maxInstallationPages: 5,
  /** Across installations: 10,000 repositories. */
  maxRepositoryPages: 100,
  /** Pages asked at once after the first. */
  parallel: 4,
  timeoutMs: 10_000,
};

export class GitHubRefused extends Error {
  constructor(
    message: string,
    /** 401: the token is no good any more (revoked, expired): the session ends. */
    readonly status: number,
  ) {
    super(message);
  }
}

export interface UserToken {
  token: string;
  /** Seconds the token lives, when GitHub says (expiring user-to-server tokens). */
  expiresIn: number | null;
}

export interface Viewer {
  login: string;
  id: number;
}

export interface Readable {
  /** owner/name of every repository the viewer may read in this App's installations. */
  repositories: string[];
  installations: { id: number; account: string }[];
  /** True when a bound cut the list short. */
  truncated: boolean;
}

type Settings = Pick<DashboardSettings, "clientId" | "clientSecret" | "webUrl" | "apiUrl" | "publicUrl">;

export function authorizeUrl(s: Settings, state: string): string {
  const u = new URL(`${s.webUrl}/login/oauth/authorize`);
  u.searchParams.set("client_id", s.clientId);
  u.searchParams.set("state", state);
  if (s.publicUrl) u.searchParams.set("redirect_uri", `${s.publicUrl}/auth/callback`);
  return u.toString();
}

async function call(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(ACCESS_LIMITS.timeoutMs) });
  } catch (error) {
    throw new GitHubRefused(`GitHub did not answer ${what}: ${(error as Error).message}`, 502);
  }
}

async function jsonOf(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (text.length > 5_000_000) throw new GitHubRefused(`GitHub's answer to ${what} is too large`, 502);
  try {
    return JSON.parse(text);
  } catch {
    throw new GitHubRefused(`GitHub's answer to ${what} is not JSON (HTTP ${res.status})`, 502);
  }
}

/** Exchanges the code GitHub sent back for a user-to-server token. */
export async function exchangeCode(s: Settings, code: string): Promise<UserToken> {
  const res = await call(
    `${s.webUrl}/login/oauth/access_token`,
    {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({
        client_id: s.clientId,
        client_secret: s.clientSecret,
        code,
        ...(s.publicUrl ? { redirect_uri: `${s.publicUrl}/auth/callback` } : {}),
      }),
    },
    "the sign-in",
  );
  const body = (await jsonOf(res, "the sign-in")) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== "string" || !body.access_token) {
    // GitHub answers 200 with { error, error_description } for a bad or used code.
    const why = typeof body.error_description === "string" ? body.error_description : `HTTP ${res.status}`;
    throw new GitHubRefused(`GitHub refused the sign-in: ${why.slice(0, 200)}`, 400);
  }
  const expiresIn = Number(body.expires_in);
  return {
    token: body.access_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : null,
  };
}

/**
 * Revokes the viewer's token at GitHub (DELETE /applications/{client_id}/token, the App's own credentials), so
 * a copy of the session cookie is worth nothing once its owner signed out. True when GitHub took it.
 */
export async function revokeToken(s: Settings, token: string): Promise<boolean> {
  const basic = Buffer.from(`${s.clientId}:${s.clientSecret}`).toString("base64");
  const res = await call(
    `${s.apiUrl}/applications/${encodeURIComponent(s.clientId)}/token`,
    {
      method: "DELETE",
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Basic ${basic}`,
        "content-type": "application/json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "readiness-gate-dashboard",
      },
      body: JSON.stringify({ access_token: token }),
    },
    "the sign-out",
  );
  await res.body?.cancel();
  // 404: GitHub no longer knows the token (expired, revoked already): nothing left to revoke.
  return res.status === 204 || res.status === 404;
}

async function userGet(s: Settings, token: string, path: string): Promise<unknown> {
  const res = await call(
    `${s.apiUrl}${path}`,
    {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${token}`,
        "x-github-api-version": "2022-11-28",
        "user-agent": "readiness-gate-dashboard",
      },
    },
    `GET ${path.split("?")[0]}`,
  );
  if (res.status === 401) throw new GitHubRefused("GitHub no longer accepts this sign-in", 401);
  if (!res.ok)
    throw new GitHubRefused(`GitHub answered GET ${path.split("?")[0]} with HTTP ${res.status}`, 502);
  return jsonOf(res, `GET ${path.split("?")[0]}`);
}

export async function fetchViewer(s: Settings, token: string): Promise<Viewer> {
  const body = (await userGet(s, token, "/user")) as { login?: unknown; id?: unknown };
  if (typeof body.login !== "string" || !Number.isInteger(body.id))
    throw new GitHubRefused("GitHub's GET /user has no login", 502);
  return { login: body.login, id: Number(body.id) };
}

/**
 * The repositories of this App's installations that the viewer can read, as GitHub lists them for the
 * viewer's token. Installations of other Apps are left out (GitHub lists only the token's App's: checked again, fail closed).
 */
export async function fetchReadable(s: Settings, token: string, appId: number): Promise<Readable> {
  const installations: Readable["installations"] = [];
  let truncated = false;
  for (let page = 1; ; page++) {
    if (page > ACCESS_LIMITS.maxInstallationPages) {
      truncated = true;
      break;
    }
    const body = (await userGet(
      s,
      token,
      `/user/installations?per_page=${ACCESS_LIMITS.perPage}&page=${page}`,
    )) as { installations?: { id: number; app_id?: number; account?: { login?: string } }[] };
    const list = body.installations ?? [];
    for (const i of list)
      if (Number(i.app_id) === appId)
        installations.push({ id: Number(i.id), account: String(i.account?.login ?? "") });
    if (list.length < ACCESS_LIMITS.perPage) break;
  }
  const repositories = new Set<string>();
  let budget = ACCESS_LIMITS.maxRepositoryPages;
  for (const installation of installations) {
    if (budget <= 0) {
      truncated = true;
      break;
    }
    const path = (page: number) =>
      `/user/installations/${installation.id}/repositories?per_page=${ACCESS_LIMITS.perPage}&page=${page}`;
    const add = (body: unknown) => {
      for (const r of (body as { repositories?: { full_name?: unknown }[] }).repositories ?? [])
        if (typeof r.full_name === "string") repositories.add(r.full_name);
    };
    // The first page says how many there are; the others are asked a few at a time.
    const first = (await userGet(s, token, path(1))) as { total_count?: unknown };
    budget--;
    add(first);
    const total = Number(first.total_count);
    const pages = Number.isFinite(total) ? Math.ceil(total / ACCESS_LIMITS.perPage) : 1;
    const last = Math.min(pages, 1 + budget);
    if (last < pages) truncated = true;
    for (let page = 2; page <= last; page += ACCESS_LIMITS.parallel) {
      const batch = [];
      for (let p = page; p < page + ACCESS_LIMITS.parallel && p <= last; p++)
        batch.push(userGet(s, token, path(p)));
      for (const body of await Promise.all(batch)) add(body);
    }
    budget -= Math.max(0, last - 1);
  }
  return { repositories: [...repositories].sort(), installations, truncated };
}
