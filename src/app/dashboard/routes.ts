// The dashboard's HTTP routes beside the webhook (docs/dashboard.md): sign-in with GitHub (/auth/…), the
// pages (/dashboard, /dashboard/<owner>/<repo>) and the API (/api/v1/…). Nothing is answered without a
// session; what a viewer may read is asked of GitHub with the viewer's token (./access.ts) and handed to the
// queries, which return nothing outside it. Rendering is in ./render.ts and ./csv.ts, pure.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DashboardInputError, MAX_EXPORT_PAGE } from "../../store/dashboard.js";
import type { DashboardQueries } from "../../store/dashboard-types.js";
import { RecentIds } from "../queue.js";
import { type InstallationRepositories, ViewerAccess } from "./access.js";
import { csvHeader, csvRow } from "./csv.js";
import {
  authorizeUrl,
  exchangeCode,
  fetchViewer,
  GitHubRefused,
  type Readable,
  revokeToken,
} from "./github.js";
import { CONTENT_SECURITY_POLICY, h } from "./html.js";
import { type ListQuery, parseDetailQuery, parseListQuery, repositoryName } from "./query.js";
import { listPage, messagePage, repositoryPage, TIMELINE_LIMIT } from "./render.js";
import {
  CookieSealer,
  newId,
  readCookies,
  SESSION_COOKIE,
  type Session,
  STATE_COOKIE,
  safeNext,
  sameState,
  setCookie,
} from "./session.js";
import { type DashboardSettings, tokenDigest } from "./settings.js";

export interface DashboardLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface DashboardDeps {
  settings: DashboardSettings;
  queries: DashboardQueries;
  /** This App's id (its installations are the only ones shown). */
  appId: () => number | undefined;
  log: DashboardLog;
  now?: () => Date;
  /** For API tokens scoped to an installation: its repositories, as GitHub lists them to the App. */
  installationRepositories?: InstallationRepositories;
  access?: ViewerAccess;
}

/** Rows one CSV export may hold. */
export const CSV_MAX_ROWS = 20_000;
const STATE_SECONDS = 600;
const PAGE_SIZE = 50;

const BASE_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createDashboardRoutes(deps: DashboardDeps): Handler {
  const { settings, queries, log } = deps;
  const now = deps.now ?? (() => new Date());
  const sealer = new CookieSealer(settings.sessionSecret);
  const access = deps.access ?? new ViewerAccess(settings, deps.appId, deps.installationRepositories);
  // Sessions signed out here: a copy of the cookie asking while GitHub revokes the token must not put the
  // person's access back in the cache.
  const endedSessions = new RecentIds(10_000);
  const cookie = (name: string, value: string, maxAge: number, path = "/") =>
    setCookie(name, value, { secure: settings.secureCookies, maxAge, path });

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(status, {
      ...BASE_HEADERS,
      "content-type": type,
      ...(type.startsWith("text/html") ? { "content-security-policy": CONTENT_SECURITY_POLICY } : {}),
      ...headers,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const html = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string,
    headers?: Record<string, string | string[]>,
  ) => send(req, res, status, "text/html; charset=utf-8", body, headers);
  const json = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers?: Record<string, string | string[]>,
  ) => send(req, res, status, "application/json; charset=utf-8", `${JSON.stringify(body)}\n`, headers);
  const redirect = (res: ServerResponse, status: 302 | 303, location: string, setCookies: string[] = []) => {
    res.writeHead(status, {
      ...BASE_HEADERS,
      location,
      ...(setCookies.length ? { "set-cookie": setCookies } : {}),
    });
    res.end();
  };

  /** The installation a bearer token is scoped to, or null; every configured token is compared, in constant time. */
  const tokenInstallation = (header: string | string[] | undefined): number | null => {
    const value = Array.isArray(header) ? header[0] : header;
    const token = /^Bearer[ \t]+(\S{1,1000})\s*$/i.exec(value ?? "")?.[1];
    if (!token) return null;
    const digest = tokenDigest(token);
    let found: number | null = null;
    for (const t of settings.apiTokens) if (timingSafeEqual(t.sha256, digest)) found = t.installationId;
    return found;
  };

  const signInAgain = h`<p><a href="/auth/login">Sign in with GitHub</a></p>`;

  function login(res: ServerResponse, url: URL): void {
    const state = newId();
    const seconds = Math.floor(now().getTime() / 1000);
    const sealed = sealer.sealState({
      state,
      next: safeNext(url.searchParams.get("next")),
      expiresAt: seconds + STATE_SECONDS,
    });
    redirect(res, 302, authorizeUrl(settings, state), [cookie(STATE_COOKIE, sealed, STATE_SECONDS, "/auth")]);
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const seconds = Math.floor(now().getTime() / 1000);
    const expected = sealer.openState(readCookies(req.headers.cookie).get(STATE_COOKIE), seconds);
    const given = url.searchParams.get("state") ?? "";
    const code = url.searchParams.get("code") ?? "";
    const clearState = cookie(STATE_COOKIE, "", 0, "/auth");
    if (!expected || !sameState(expected.state, given)) {
      log.warn({ stateCookie: expected !== null }, "dashboard sign-in refused: the state does not match");
      html(
        req,
        res,
        400,
        messagePage({
          title: "Sign-in not accepted",
          message:
            "This sign-in did not start here, or took longer than 10 minutes (the state does not match). Sign in again.",
          action: signInAgain,
        }),
        { "set-cookie": clearState },
      );
      return;
    }
    if (!code || code.length > 200) {
      html(
        req,
        res,
        400,
        messagePage({
          title: "Sign-in not completed",
          message: url.searchParams.get("error_description")?.slice(0, 200) ?? "GitHub sent no code back.",
          action: signInAgain,
        }),
        { "set-cookie": clearState },
      );
      return;
    }
    try {
      const token = await exchangeCode(settings, code);
      const viewer = await fetchViewer(settings, token.token);
      const lifetime = Math.min(settings.sessionSeconds, token.expiresIn ?? Number.POSITIVE_INFINITY);
      const session: Session = {
        sid: newId(),
        login: viewer.login,
        userId: viewer.id,
        token: token.token,
        expiresAt: seconds + lifetime,
      };
      log.info({ login: viewer.login }, "dashboard sign-in");
      redirect(res, 302, expected.next, [
        cookie(SESSION_COOKIE, sealer.sealSession(session), lifetime),
        clearState,
      ]);
    } catch (error) {
      const status = error instanceof GitHubRefused ? error.status : 502;
      log.warn({ status, reason: (error as Error).message }, "dashboard sign-in failed");
      html(
        req,
        res,
        status === 400 ? 400 : 502,
        messagePage({ title: "Sign-in failed", message: (error as Error).message, action: signInAgain }),
        { "set-cookie": clearState },
      );
    }
  }

  /**
   * A request another site made: its Origin (or, without one, its Referer) is not this server, or the browser
   * says so (Sec-Fetch-Site).
   */
  function crossSite(req: IncomingMessage): boolean {
    const self = settings.publicUrl
      ? new URL(settings.publicUrl).origin
      : `${(req.socket as { encrypted?: boolean }).encrypted ? "https" : "http"}://${req.headers.host ?? ""}`;
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") return true;
    const origin = req.headers.origin;
    if (origin !== undefined) return origin !== self;
    const referer = req.headers.referer;
    if (referer === undefined) return false;
    try {
      return new URL(referer).origin !== self;
    } catch {
      return true;
    }
  }

  function signedOut(req: IncomingMessage, res: ServerResponse, url: URL, api: boolean, clear: boolean) {
    const clearSession = clear ? [cookie(SESSION_COOKIE, "", 0)] : [];
    if (api) {
      json(
        req,
        res,
        401,
        { message: "Sign in first: open /auth/login in a browser (the API uses the dashboard's session)." },
        {
          "www-authenticate": 'Cookie realm="readiness-dashboard"',
          ...(clear ? { "set-cookie": clearSession } : {}),
        },
      );
      return;
    }
    redirect(
      res,
      302,
      `/auth/login?next=${encodeURIComponent(`${url.pathname}${url.search}`)}`,
      clearSession,
    );
  }

  async function pages(req: IncomingMessage, res: ServerResponse, url: URL, api: boolean): Promise<void> {
    let viewer: string;
    let readable: Readable;
    if (api && req.headers.authorization !== undefined) {
      // Automation: a read-only token of DASHBOARD_API_TOKENS reads its installation's repositories. A token
      // that is not one is refused; it never falls back to a cookie.
      const installationId = tokenInstallation(req.headers.authorization);
      if (installationId === null)
        return json(
          req,
          res,
          401,
          { message: "This API token is not accepted: use one of DASHBOARD_API_TOKENS, or sign in." },
          { "www-authenticate": 'Bearer realm="readiness-dashboard"' },
        );
      viewer = `installation ${installationId}`;
      try {
        readable = await access.installation(installationId, now().getTime());
      } catch (error) {
        log.warn({ installationId, reason: (error as Error).message }, "dashboard: installation not listed");
        return json(req, res, 502, {
          message: `The installation's repositories could not be asked of GitHub: ${(error as Error).message}`,
        });
      }
    } else {
      const cookieValue = readCookies(req.headers.cookie).get(SESSION_COOKIE);
      const session = sealer.openSession(cookieValue, Math.floor(now().getTime() / 1000));
      if (!session || endedSessions.has(session.sid))
        return signedOut(req, res, url, api, cookieValue !== undefined);
      viewer = session.login;
      try {
        readable = await access.readable(session, now().getTime());
      } catch (error) {
        if (error instanceof GitHubRefused && error.status === 401) {
          access.forget(session.sid);
          return signedOut(req, res, url, api, true);
        }
        log.warn({ login: session.login, reason: (error as Error).message }, "dashboard: access not known");
        const message = `Which repositories you can read could not be asked of GitHub: ${(error as Error).message}`;
        if (api) return json(req, res, 502, { message });
        return html(req, res, 502, messagePage({ title: "GitHub did not answer", message, viewer }));
      }
    }
    const path = url.pathname;
    const notFound = () =>
      api
        ? json(req, res, 404, { message: "Not found (or not readable with your GitHub account)" })
        : html(
            req,
            res,
            404,
            messagePage({
              title: "Not found",
              message: "No such repository among those you can read.",
              viewer: viewer,
            }),
          );
    const badRequest = (message: string) =>
      api
        ? json(req, res, 400, { message })
        : html(req, res, 400, messagePage({ title: "Bad request", message, viewer: viewer }));

    if (path === "/dashboard" || path === "/dashboard/" || path === "/api/v1/repositories") {
      const parsed = parseListQuery(url.searchParams, { perPage: PAGE_SIZE });
      if (!parsed.ok) return badRequest(parsed.message);
      const page = await list(readable, parsed.value);
      if (api) return json(req, res, 200, { ...page, truncated: readable.truncated });
      return html(
        req,
        res,
        200,
        listPage({
          viewer: viewer,
          page,
          query: parsed.value,
          owners: [...new Set(readable.repositories.map((r) => r.split("/")[0]!))].sort(),
          readableCount: readable.repositories.length,
          truncated: readable.truncated,
          now: now(),
        }),
      );
    }
    if (path === "/api/v1/repositories.csv") {
      const parsed = parseListQuery(url.searchParams, { perPage: 100 });
      if (!parsed.ok) return badRequest(parsed.message);
      return csv(req, res, readable, parsed.value);
    }
    const m = /^\/(?:dashboard|api\/v1\/repositories)\/([^/]+)\/([^/]+)\/?$/.exec(path);
    const name = m ? repositoryName(m[1]!, m[2]!) : null;
    if (!name) return notFound();
    // GitHub's spelling of the name, from the list it gave; a name not in it is not found, whether or not it exists.
    const canonical = readable.repositories.find((r) => r.toLowerCase() === name.toLowerCase());
    if (!canonical) return notFound();
    const parsed = parseDetailQuery(url.searchParams);
    if (!parsed.ok) return badRequest(parsed.message);
    const detail = await queries.repository(canonical, {
      readable: readable.repositories,
      now: now(),
      days: parsed.value.days,
      limit: TIMELINE_LIMIT,
      ...(parsed.value.before !== undefined ? { before: parsed.value.before } : {}),
    });
    if (!detail) return notFound();
    if (api) return json(req, res, 200, detail);
    return html(
      req,
      res,
      200,
      repositoryPage({
        viewer: viewer,
        detail,
        days: parsed.value.days,
        webUrl: settings.webUrl,
        now: now(),
      }),
    );
  }

  async function list(readable: Readable, query: ListQuery) {
    if (readable.repositories.length === 0)
      return { items: [], total: 0, page: query.page ?? 1, perPage: query.perPage ?? PAGE_SIZE };
    return queries.listRepositories({ ...query, readable: readable.repositories }, now());
  }

  async function csv(req: IncomingMessage, res: ServerResponse, readable: Readable, query: ListQuery) {
    res.writeHead(200, {
      ...BASE_HEADERS,
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="readiness.csv"',
    });
    if (req.method === "HEAD") return void res.end();
    res.write(csvHeader());
    let rows = 0;
    // Pages of 1,000 without sparklines; between them other requests (webhooks) get their turn, as the
    // embedded store runs its statements in this process.
    const size = MAX_EXPORT_PAGE;
    for (let page = 1; rows < CSV_MAX_ROWS; page++) {
      const got = await list(readable, { ...query, page, perPage: size, export: true });
      for (const item of got.items.slice(0, CSV_MAX_ROWS - rows)) res.write(csvRow(item));
      rows += got.items.length;
      if (got.items.length < size || rows >= got.total) break;
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const path = url.pathname;
    const auth =
      path === "/auth/login" ||
      path === "/auth/callback" ||
      path === "/auth/logout" ||
      path === "/auth/signed-out";
    const api = path === "/api/v1" || path.startsWith("/api/v1/");
    const page = path === "/dashboard" || path.startsWith("/dashboard/");
    if (!auth && !api && !page) return false;
    const read = req.method === "GET" || req.method === "HEAD";
    try {
      if (path === "/auth/logout") {
        if (req.method !== "POST") {
          html(
            req,
            res,
            405,
            messagePage({ title: "Sign out", message: "Sign out with the button on the dashboard." }),
            {
              allow: "POST",
            },
          );
          return true;
        }
        // Another site may not sign people out (a form posted cross-site still carries SameSite=Lax cookies
        // on top-level navigation in some browsers).
        if (crossSite(req)) {
          html(
            req,
            res,
            403,
            messagePage({ title: "Sign out", message: "Sign out from the dashboard itself." }),
          );
          return true;
        }
        const session = sealer.openSession(readCookies(req.headers.cookie).get(SESSION_COOKIE), 0);
        if (session) {
          endedSessions.add(session.sid);
          access.forget(session.sid);
          // A copy of the cookie (a shared machine, a proxy's log) must not outlive the sign-out: without the
          // token it carries, the next access check answers 401 and signs the copy out too.
          const revoked = await revokeToken(settings, session.token).catch(() => false);
          if (!revoked)
            log.warn(
              { login: session.login },
              "dashboard: GitHub did not revoke the token at sign-out; a copy of the cookie works until it expires",
            );
        }
        redirect(res, 303, "/auth/signed-out", [cookie(SESSION_COOKIE, "", 0)]);
        return true;
      }
      if (!read) {
        if (api) json(req, res, 405, { message: "Only GET is served here." }, { allow: "GET, HEAD" });
        else
          html(req, res, 405, messagePage({ title: "Not allowed", message: "Only GET is served here." }), {
            allow: "GET, HEAD",
          });
        return true;
      }
      if (path === "/auth/login") login(res, url);
      else if (path === "/auth/callback") await callback(req, res, url);
      else if (path === "/auth/signed-out")
        html(
          req,
          res,
          200,
          messagePage({ title: "Signed out", message: "You are signed out.", action: signInAgain }),
        );
      else await pages(req, res, url, api);
    } catch (error) {
      if (error instanceof DashboardInputError && !res.headersSent) {
        if (api) json(req, res, 400, { message: error.message });
        else html(req, res, 400, messagePage({ title: "Bad request", message: error.message }));
        return true;
      }
      log.warn({ path, reason: (error as Error).message }, "dashboard request failed");
      if (!res.headersSent) {
        if (api) json(req, res, 500, { message: "The dashboard could not answer; see the server's log." });
        else
          html(
            req,
            res,
            500,
            messagePage({ title: "Error", message: "The dashboard could not answer; see the server's log." }),
          );
      } else res.end();
    }
    return true;
  };
}

/** Without GITHUB_CLIENT_ID the pages say how to turn them on (and the API answers 404). */
export function dashboardOff(): Handler {
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== "/dashboard" && !path.startsWith("/dashboard/") && !path.startsWith("/api/v1/"))
      return false;
    res
      .writeHead(404, { ...BASE_HEADERS, "content-type": "text/plain; charset=utf-8" })
      .end(
        "The dashboard is off: set GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and SESSION_SECRET (docs/dashboard.md).\n",
      );
    return true;
  };
}
