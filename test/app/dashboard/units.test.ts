// The dashboard's pure parts: session cookies, settings, the sign-in redirect guard, CSV and HTML escaping.
import { describe, expect, it } from "vitest";
import { csvHeader, csvRow } from "../../../src/app/dashboard/csv.js";
import { parseListQuery } from "../../../src/app/dashboard/query.js";
import { listPage, repositoryPage } from "../../../src/app/dashboard/render.js";
import { CookieSealer, readCookies, type Session, safeNext } from "../../../src/app/dashboard/session.js";
import { readDashboardSettings, webUrlFor } from "../../../src/app/dashboard/settings.js";
import type { RepositoryDetail, RepositorySummary } from "../../../src/store/dashboard-types.js";

const SECRET = "s".repeat(40);
const NOW = 1_800_000_000;
const session: Session = {
  sid: "sid-1",
  login: "alice",
  userId: 7,
  token: "ghu_secretvalue123",
  expiresAt: NOW + 3600,
};

describe("session cookies", () => {
  const sealer = new CookieSealer(SECRET);

  it("round-trips a session, and the cookie does not show the token", () => {
    const cookie = sealer.sealSession(session);
    expect(sealer.openSession(cookie, NOW)).toEqual(session);
    expect(cookie).not.toContain("ghu_");
    expect(Buffer.from(cookie.split(".")[0]!, "base64url").toString()).not.toContain("secretvalue");
  });

  it("refuses a tampered payload, a forged signature, another secret, an expired session and a state cookie", () => {
    const cookie = sealer.sealSession(session);
    const [body, mac] = cookie.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const other = Buffer.from(JSON.stringify({ ...payload, login: "mallory" })).toString("base64url");
    expect(sealer.openSession(`${other}.${mac}`, NOW)).toBeNull();
    expect(sealer.openSession(`${body}.${"A".repeat(mac.length)}`, NOW)).toBeNull();
    expect(new CookieSealer("t".repeat(40)).openSession(cookie, NOW)).toBeNull();
    expect(sealer.openSession(cookie, NOW + 3600)).toBeNull();
    const state = sealer.sealState({ state: "x", next: "/dashboard", expiresAt: NOW + 600 });
    expect(sealer.openSession(state, NOW)).toBeNull();
    expect(sealer.openState(state, NOW)?.state).toBe("x");
    expect(sealer.openSession("garbage", NOW)).toBeNull();
    expect(sealer.openSession(undefined, NOW)).toBeNull();
  });

  it("keeps the first cookie of a name", () => {
    expect(readCookies("a=1; rg_session=x.y; a=2").get("a")).toBe("1");
  });

  it("sends people back to a path on this server only", () => {
    expect(safeNext("/dashboard/octo/a?days=30")).toBe("/dashboard/octo/a?days=30");
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "/\nx", "", null])
      expect(safeNext(bad)).toBe("/dashboard");
  });
});

describe("settings", () => {
  const api = "https://api.github.com";
  it("is off without GITHUB_CLIENT_ID, and refuses to start without a session secret in production", () => {
    expect(readDashboardSettings({}, api)).toEqual({ ok: true, settings: null, warnings: [] });
    const r = readDashboardSettings({ GITHUB_CLIENT_ID: "Iv1.x", GITHUB_CLIENT_SECRET: "y" }, api);
    expect(r).toEqual({ ok: false, message: expect.stringContaining("SESSION_SECRET is not set") });
    const short = readDashboardSettings(
      { GITHUB_CLIENT_ID: "Iv1.x", GITHUB_CLIENT_SECRET: "y", SESSION_SECRET: "short" },
      api,
    );
    expect(short.ok).toBe(false);
    const dev = readDashboardSettings(
      { GITHUB_CLIENT_ID: "Iv1.x", GITHUB_CLIENT_SECRET: "y", NODE_ENV: "development" },
      api,
    );
    expect(dev.ok && dev.settings?.ephemeralSecret).toBe(true);
  });

  it("finds GitHub's web origin and marks cookies Secure unless the dashboard is plain http", () => {
    expect(webUrlFor("https://api.github.com")).toBe("https://github.com");
    expect(webUrlFor("https://ghe.example.com/api/v3")).toBe("https://ghe.example.com");
    const env = { GITHUB_CLIENT_ID: "Iv1.x", GITHUB_CLIENT_SECRET: "y", SESSION_SECRET: SECRET };
    const r = readDashboardSettings(env, api);
    expect(r.ok && r.settings?.secureCookies).toBe(true);
    const local = readDashboardSettings({ ...env, DASHBOARD_URL: "http://127.0.0.1:3000" }, api);
    expect(local.ok && local.settings?.secureCookies).toBe(false);
  });
});

const hostile = '<script>alert("x")</script>';

function summary(over: Partial<RepositorySummary> = {}): RepositorySummary {
  return {
    repository: "octo/api",
    repositoryId: 1,
    installationId: 1,
    owner: "octo",
    defaultBranch: "main",
    teams: [`@octo/${hostile}`],
    hasPolicy: true,
    latest: {
      id: 9,
      targetKind: "pull_request",
      targetNumber: 12,
      environment: null,
      sha: "a".repeat(40),
      verdict: "no-go",
      score: 61.5,
      minScore: 80,
      level: "silver",
      incomplete: false,
      blocking: 2,
      checkRunUrl: "javascript:alert(1)",
      evaluatedAt: new Date("2026-12-01T10:00:00Z"),
    },
    categories: [{ id: "security", score: 40, weight: 2 }],
    sparkline: [
      { day: "2026-11-30", score: 70 },
      { day: "2026-12-01", score: 61.5 },
    ],
    waiversExpiringSoon: 1,
    ...over,
  };
}

describe("CSV export", () => {
  it("defuses formulas in cells and quotes separators", () => {
    const row = csvRow(summary({ teams: ['=HYPERLINK("http://evil")', "@x"], repository: "octo/a,b" }));
    expect(row).toContain(`"'=HYPERLINK(""http://evil"") @x"`);
    expect(row.startsWith('"octo/a,b",')).toBe(true);
    expect(csvHeader().split(",")[0]).toBe("repository");
    const minus = csvRow(summary({ owner: "-2+3" }));
    expect(minus).toContain(",'-2+3,");
  });
});

describe("pages", () => {
  const now = new Date("2026-12-02T10:00:00Z");
  it("escapes what repositories and people wrote, and links only http(s) check runs", () => {
    const list = listPage({
      viewer: hostile,
      page: { items: [summary()], total: 1, page: 1, perPage: 50 },
      query: { q: hostile },
      owners: ["octo"],
      readableCount: 1,
      truncated: false,
      now,
    });
    expect(list).not.toContain("<script>");
    expect(list).toContain("&lt;script&gt;");
    const detail: RepositoryDetail = {
      summary: summary(),
      series: [{ day: "2026-12-01", score: 61.5, categories: { security: 40 } }],
      timeline: [summary().latest!],
      waivers: [
        {
          check: "vulns",
          source: "comment",
          reason: hostile,
          approvedBy: "bob",
          expires: "2026-12-05",
          url: null,
        },
      ],
      signOffs: [],
      failingChecks: [{ check: "vulns", category: "security", failures: 3, evaluations: 4 }],
    };
    const page = repositoryPage({ viewer: "alice", detail, days: 90, webUrl: "https://github.com", now });
    expect(page).not.toContain("<script>");
    expect(page).not.toContain("javascript:");
    expect(page).toContain('href="https://github.com/octo/api/pull/12"');
  });

  it("answers a wrong filter with a message", () => {
    const r = parseListQuery(new URLSearchParams("verdict=maybe&page=0&per_page=1000"), { perPage: 50 });
    expect(r).toEqual({
      ok: false,
      message: expect.stringContaining("verdict must be one of go, no-go, pending"),
    });
    expect(!r.ok && r.message).toContain("per_page must be a whole number from 1 to 100");
  });
});
