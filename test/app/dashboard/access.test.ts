// Who sees what, end to end over HTTP: the built server with sign-in on, a seeded store and the GitHub
// stand-in. A member sees every repository of the App's installation, an outside collaborator the one they
// can read, a non-member and someone from another App's installation nothing; without a valid session
// (signed out, forged, expired, revoked) there is no page and no API answer; a sign-in whose state does not
// match is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieSealer } from "../../../src/app/dashboard/session.js";
import { buildIfNeeded } from "../../support/build.js";
import {
  API_TOKENS,
  cookieOf,
  type DashboardServer,
  OAUTH,
  PEOPLE,
  REPOSITORIES,
  SESSION_SECRET,
  startDashboard,
} from "../../support/dashboard.js";
import { expectKnownEndpoint } from "../../support/openapi.js";

let d: DashboardServer;
const sessions: Record<string, string> = {};

const get = (path: string, cookie?: string) =>
  fetch(`${d.url}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });

async function listed(cookie: string, query = ""): Promise<string[]> {
  const res = await get(`/api/v1/repositories${query}`, cookie);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items: { repository: string }[]; total: number };
  expect(body.total).toBe(body.items.length);
  return body.items.map((i) => i.repository).sort();
}

beforeAll(async () => {
  buildIfNeeded();
  // 230 repositories without history come first in the installation: the member's list takes three pages.
  d = await startDashboard({ filler: 230 });
  for (const [role, p] of Object.entries(PEOPLE)) sessions[role] = await d.signIn(p.login);
}, 120_000);

afterAll(async () => {
  await d?.stop();
});

describe("the dashboard's access matrix", () => {
  const all = REPOSITORIES.map((r) => `octo/${r.name}`).sort();

  it("a member sees every repository of the installation, in the pages, the API and the CSV", async () => {
    expect(await listed(sessions.member!)).toEqual(all);
    expect(await listed(sessions.member!, "?team=@octo/platform")).toEqual(["octo/api", "octo/search"]);
    const pages = d.gh.requests.filter((r) => r.path === "/user/installations/1/repositories");
    expect(pages.map((r) => r.query.get("page")).sort()).toContain("3");
    const page = await get("/dashboard", sessions.member);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const r of all) expect(html).toContain(`href="/dashboard/${r}"`);
    expect(html).toContain("6 of the 236 repositories you can read");
    expect((await get("/dashboard/octo/api", sessions.member)).status).toBe(200);
    const detail = await get("/api/v1/repositories/octo/api", sessions.member);
    expect(detail.status).toBe(200);
    expect(((await detail.json()) as { summary: { repository: string } }).summary.repository).toBe(
      "octo/api",
    );
  });

  it("an outside collaborator sees the one repository they can read, and nothing of the others", async () => {
    const cookie = sessions.collaborator!;
    expect(await listed(cookie)).toEqual(["octo/web"]);
    expect(await listed(cookie, "?q=api")).toEqual([]);
    const html = await (await get("/dashboard", cookie)).text();
    expect(html).toContain('href="/dashboard/octo/web"');
    for (const r of all.filter((x) => x !== "octo/web")) expect(html).not.toContain(r);
    for (const path of ["/dashboard/octo/api", "/api/v1/repositories/octo/api", "/dashboard/OCTO/Payments"])
      expect((await get(path, cookie)).status).toBe(404);
    expect((await get("/dashboard/octo/WEB", cookie)).status).toBe(200);
    const csv = await (await get("/api/v1/repositories.csv", cookie)).text();
    expect(
      csv
        .trim()
        .split("\r\n")
        .map((l) => l.split(",")[0]),
    ).toEqual(["repository", "octo/web"]);
  });

  it("a non-member, and someone who reads only another App's installation, see nothing", async () => {
    for (const who of ["nonMember", "otherApp"]) {
      expect(await listed(sessions[who]!)).toEqual([]);
      expect((await get("/dashboard/octo/web", sessions[who])).status).toBe(404);
      expect((await get("/api/v1/repositories/elsewhere/tool", sessions[who])).status).toBe(404);
    }
  });

  it("signed out: pages send to sign-in, the API answers 401 JSON", async () => {
    const page = await get("/dashboard/octo/web?days=30");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(
      `/auth/login?next=${encodeURIComponent("/dashboard/octo/web?days=30")}`,
    );
    for (const path of [
      "/api/v1/repositories",
      "/api/v1/repositories.csv",
      "/api/v1/repositories/octo/web",
    ]) {
      const res = await get(path);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(((await res.json()) as { message: string }).message).toMatch(/sign in/i);
    }
  });

  it("a forged, tampered, expired or revoked session is no session", async () => {
    const [name, value] = sessions.member!.split("=") as [string, string];
    const [body, mac] = value.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    // The collaborator's cookie rewritten to say alice: the signature no longer matches.
    const renamed = Buffer.from(JSON.stringify({ ...payload, login: "alice", uid: 1 })).toString("base64url");
    const forgedWithOtherKey = new CookieSealer("x".repeat(40)).sealSession({
      sid: "s",
      login: "alice",
      userId: 1,
      token: "ghu_x",
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const expired = new CookieSealer(SESSION_SECRET).sealSession({
      sid: "s2",
      login: "alice",
      userId: 1,
      token: "ghu_whatever",
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    for (const cookie of [
      `${name}=${renamed}.${mac}`,
      `${name}=${body}.${mac.slice(0, -2)}AA`,
      `${name}=${forgedWithOtherKey}`,
      `${name}=${expired}`,
      `${name}=garbage`,
    ]) {
      const api = await get("/api/v1/repositories", cookie);
      expect(api.status).toBe(401);
      // The bad cookie is deleted.
      expect(api.headers.getSetCookie().join()).toMatch(/rg_session=; .*Max-Age=0/);
      expect((await get("/dashboard", cookie)).status).toBe(302);
    }
    // Signed with the right secret and not expired, but GitHub no longer accepts its token: signed out.
    const fresh = await d.signIn(PEOPLE.member.login);
    const token = [...d.gh.userTokens.keys()].at(-1)!;
    d.gh.userTokens.delete(token);
    expect((await get("/api/v1/repositories", fresh)).status).toBe(401);
  });

  it("sign-in: the state must match the one this browser started with, and a code is used once", async () => {
    const start = await get("/auth/login?next=/dashboard/octo/web");
    const state = cookieOf(start, "rg_oauth");
    const setCookie = start.headers.getSetCookie().join();
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const authorize = new URL(start.headers.get("location")!);
    expect(authorize.origin).toBe(d.gh.origin);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${d.url}/auth/callback`);
    authorize.searchParams.set("login", "alice");
    const back = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location")!);
    const code = back.searchParams.get("code")!;

    const tampered = new URL(back);
    tampered.searchParams.set("state", "someone-elses-state");
    expect((await fetch(tampered, { redirect: "manual", headers: { cookie: state } })).status).toBe(400);
    // No state cookie (a link someone else sent): refused.
    expect((await fetch(back, { redirect: "manual" })).status).toBe(400);
    const ok = await fetch(back, { redirect: "manual", headers: { cookie: state } });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/dashboard/octo/web");
    const session = ok.headers.getSetCookie().find((c) => c.startsWith("rg_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Max-Age=\d+/);
    expect(session).not.toContain("ghu_");
    // The same code again: GitHub refuses it.
    const again = await fetch(back, { redirect: "manual", headers: { cookie: state } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("incorrect or expired");
    expect(code).toBeTruthy();
  });

  it("signing out ends the session in this browser", async () => {
    const cookie = await d.signIn(PEOPLE.collaborator.login);
    // Another site's form cannot sign anyone out.
    const crossSite = await fetch(`${d.url}/auth/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    const out = await fetch(`${d.url}/auth/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: new URL(d.url).origin },
    });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join()).toMatch(/rg_session=; .*Max-Age=0/);
    expect((await fetch(`${d.url}/auth/logout`, { redirect: "manual" })).status).toBe(405);
  });

  it("signing out revokes the token at GitHub: a copy of the cookie kept from before is signed out too", async () => {
    const cookie = await d.signIn(PEOPLE.collaborator.login);
    expect((await get("/api/v1/repositories", cookie)).status).toBe(200);
    const revocations = () =>
      d.gh.requests.filter(
        (r) => r.method === "DELETE" && r.path === `/applications/${OAUTH.clientId}/token`,
      );
    const before = revocations().length;
    const out = await fetch(`${d.url}/auth/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: new URL(d.url).origin },
    });
    expect(out.status).toBe(303);
    expect(revocations()).toHaveLength(before + 1);
    expectKnownEndpoint("DELETE", `https://api.github.com/applications/${OAUTH.clientId}/token`);
    // The copy still opens (same secret, not expired), but GitHub no longer takes its token.
    expect((await get("/api/v1/repositories", cookie)).status).toBe(401);
    expect((await get("/dashboard", cookie)).status).toBe(302);
  });

  it("a copy of the cookie asking while GitHub revokes the token is signed out all the same", async () => {
    const cookie = await d.signIn(PEOPLE.collaborator.login);
    let revoking = false;
    d.gh.use(async (req) => {
      if (req.method === "DELETE" && req.path.startsWith("/applications/")) {
        revoking = true;
        await new Promise((r) => setTimeout(r, 1_500));
      }
      return undefined;
    });
    const out = fetch(`${d.url}/auth/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: new URL(d.url).origin },
    });
    while (!revoking) await new Promise((r) => setTimeout(r, 20));
    // While GitHub still takes the token: the copy's ask must not put the person's access back.
    await get("/api/v1/repositories", cookie);
    expect((await out).status).toBe(303);
    expect((await get("/api/v1/repositories", cookie)).status).toBe(401);
  });

  it("a sign-out another site asks for is refused, whatever header gives it away", async () => {
    const cookie = await d.signIn(PEOPLE.collaborator.login);
    const tells: Record<string, string>[] = [
      { referer: "https://evil.example/page" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", referer: `${d.url}/dashboard` },
    ];
    for (const headers of tells) {
      const res = await fetch(`${d.url}/auth/logout`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, ...headers },
      });
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await get("/api/v1/repositories", cookie)).status).toBe(200);
  });

  it("answers bad filters with a message, and sends the CSV with formulas defused", async () => {
    const bad = await get("/api/v1/repositories?verdict=maybe", sessions.member);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain("verdict must be one of");
    const csv = await get("/api/v1/repositories.csv?sort=score&order=desc", sessions.member);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "repository,owner,teams,verdict,score,min_score,level,blocking,waivers_expiring_7d,last_evaluated,categories",
    );
    expect(lines.length).toBe(REPOSITORIES.length + 1);
    for (const line of lines.slice(1)) expect(line).not.toMatch(/(^|,)[=+\-@]/);
    const scores = lines.slice(1).map((l) => Number(l.split(",")[4]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("a read-only API token reads its installation's repositories, through the API only", async () => {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const list = await fetch(`${d.url}/api/v1/repositories?per_page=100`, {
      headers: bearer(API_TOKENS.octo),
    });
    expect(list.status).toBe(200);
    const items = ((await list.json()) as { items: { repository: string }[] }).items.map((i) => i.repository);
    expect(items.sort()).toEqual(all);
    const csv = await fetch(`${d.url}/api/v1/repositories.csv`, { headers: bearer(API_TOKENS.octo) });
    expect((await csv.text()).trim().split("\r\n").length).toBe(all.length + 1);
    expect(
      (await fetch(`${d.url}/api/v1/repositories/octo/api`, { headers: bearer(API_TOKENS.octo) })).status,
    ).toBe(200);
    // Installation 2's token sees none of installation 1's repositories.
    const other = await fetch(`${d.url}/api/v1/repositories`, { headers: bearer(API_TOKENS.elsewhere) });
    expect(((await other.json()) as { total: number }).total).toBe(0);
    expect(
      (await fetch(`${d.url}/api/v1/repositories/octo/api`, { headers: bearer(API_TOKENS.elsewhere) }))
        .status,
    ).toBe(404);
    // A wrong token is refused, even beside a valid session cookie; pages never take a token.
    for (const token of [`${API_TOKENS.octo}x`, "short", ""]) {
      const res = await fetch(`${d.url}/api/v1/repositories`, {
        headers: { ...bearer(token), cookie: sessions.member! },
      });
      expect(res.status).toBe(401);
    }
    expect(
      (await fetch(`${d.url}/dashboard`, { headers: bearer(API_TOKENS.octo), redirect: "manual" })).status,
    ).toBe(302);
    expect(
      (await fetch(`${d.url}/api/v1/repositories`, { method: "POST", headers: bearer(API_TOKENS.octo) }))
        .status,
    ).toBe(405);
  });

  it("asks GitHub only what its API has, with the viewer's token", () => {
    const asked = d.gh.requests.filter((r) => r.path === "/user" || r.path.startsWith("/user/"));
    expect(asked.length).toBeGreaterThan(0);
    for (const r of asked) {
      expectKnownEndpoint(r.method, `https://api.github.com${r.path}?${r.query}`);
      expect(String(r.headers.authorization)).toMatch(/^Bearer ghu_/);
    }
  });
});
