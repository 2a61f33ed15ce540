import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waiversFromLedger } from "../../../src/commands/ledger.js";
import { fetchActorFacts, fetchLedger } from "../../../src/evidence/github/ledger.js";
import type { Target } from "../../../src/evidence/types.js";
import { PolicySchema } from "../../../src/policy/schema.js";
import { expectKnownEndpoint, type RequestRecorder, recordRequests } from "../../support/openapi.js";

const API = "https://api.github.com";
const SHA = "c0ffee".padEnd(40, "0");
const OTHER_SHA = "beef".padEnd(40, "0");

const prTarget: Target = {
  context: "pull_request",
  repository: { owner: "acme", name: "shop" },
  sha: SHA,
  pullRequest: {
    number: 7,
    baseRef: "release/1.2",
    headRef: "rc",
    headSha: SHA,
    labels: [],
    author: "alice",
  },
};
const releaseTarget: Target = {
  context: "release",
  repository: { owner: "acme", name: "shop" },
  sha: SHA,
  release: { tag: "v1.2.0" },
};

let nextId = 1000;
function comment(
  login: string | null,
  body: string,
  createdAt: string,
  over: { type?: string; updatedAt?: string } = {},
) {
  const id = nextId++;
  return {
    id,
    body,
    html_url: `https://github.com/acme/shop/pull/7#issuecomment-${id}`,
    created_at: createdAt,
    updated_at: over.updatedAt ?? createdAt,
    user: login === null ? null : { login, type: over.type ?? "User" },
  };
}

const permission = (role_name: string, perm: string) => ({ permission: perm, role_name, user: null });

let scope: nock.Scope;
let recorder: RequestRecorder;
let warnings: [object, string | undefined][];
const log = { warn: (obj: object, msg?: string) => warnings.push([obj, msg]) };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const octokit = () => new Octokit({ auth: "test-token", baseUrl: API, log: quiet });

beforeEach(() => {
  nock.disableNetConnect();
  scope = nock(API);
  recorder = recordRequests(scope);
  warnings = [];
});

afterEach(() => {
  recorder.stop();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** Every request made was expected, consumed, and is an endpoint GitHub has. */
function expectRequestsDone() {
  recorder.assertAllKnown();
  for (const r of recorder.requests) expectKnownEndpoint(r.method, r.url);
  expect(scope.isDone()).toBe(true);
}

describe("fetchLedger for a pull request", () => {
  it("reads commands, skips bots, marks edits, resolves each person once and dates the head push", async () => {
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [
        comment(
          "maintainer",
          "Shipping anyway.\n/readiness waive deps for 14d vendor fix lands next sprint\n/readiness recheck",
          "2026-06-15T10:00:00Z",
        ),
        comment(
          "readiness-gate[bot]",
          "/readiness waive deps for 30d the bot itself",
          "2026-06-15T10:01:00Z",
          {
            type: "Bot",
          },
        ),
        comment(
          "outsider",
          "/readiness waive runbook until 2026-06-30 because I say so",
          "2026-06-15T11:00:00Z",
        ),
        comment("maintainer", "/readiness unwaive runbook", "2026-06-15T12:00:00Z", {
          updatedAt: "2026-06-15T12:05:00Z",
        }),
        comment(
          "maintainer",
          "```\n/readiness unwaive deps\n```\n> /readiness unwaive deps",
          "2026-06-15T13:00:00Z",
        ),
        comment("sec-lead", "/readiness signoff sec-review threat model reviewed", "2026-06-16T09:00:00Z"),
        comment(null, "/readiness waive deps for 3d deleted account", "2026-06-16T10:00:00Z"),
        comment("alice", "Thanks all", "2026-06-16T11:00:00Z"),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(200, permission("maintain", "write"))
      .get("/repos/acme/shop/collaborators/outsider/permission")
      .reply(404, { message: "Not Found" })
      .get("/repos/acme/shop/collaborators/sec-lead/permission")
      .reply(200, permission("security-auditor", "read"))
      .get("/orgs/acme/teams/security/memberships/maintainer")
      .reply(404, { message: "Not Found" })
      .get("/orgs/acme/teams/security/memberships/outsider")
      .reply(404, { message: "Not Found" })
      .get("/orgs/acme/teams/security/memberships/sec-lead")
      .reply(200, { state: "active", role: "member", url: "" })
      .get(`/repos/acme/shop/git/commits/${SHA}`)
      .reply(200, { sha: SHA, committer: { date: "2026-06-10T00:00:00Z", name: "a", email: "a@x" } })
      .get(`/repos/acme/shop/commits/${SHA}/check-suites`)
      .query({ per_page: "100" })
      .reply(200, {
        total_count: 2,
        check_suites: [{ created_at: "2026-06-12T09:00:00Z" }, { created_at: "2026-06-12T08:00:00Z" }],
      });

    const ledger = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: prTarget,
      teams: ["acme/security"],
      pushTime: true,
      log,
    });

    const url = (n: number) => `https://github.com/acme/shop/pull/7#issuecomment-${n}`;
    const first = nextId - 8;
    expect(ledger).toEqual({
      commands: [
        {
          verb: "waive",
          check: "deps",
          actor: "maintainer",
          at: "2026-06-15T10:00:00Z",
          until: "2026-06-29",
          reason: "vendor fix lands next sprint",
          url: url(first),
          pullRequest: 7,
          prAuthor: "alice",
        },
        {
          verb: "waive",
          check: "runbook",
          actor: "outsider",
          at: "2026-06-15T11:00:00Z",
          until: "2026-06-30",
          reason: "because I say so",
          url: url(first + 2),
          pullRequest: 7,
          prAuthor: "alice",
        },
        {
          verb: "unwaive",
          check: "runbook",
          actor: "maintainer",
          at: "2026-06-15T12:00:00Z",
          url: url(first + 3),
          edited: true,
          pullRequest: 7,
          prAuthor: "alice",
        },
        {
          verb: "signoff",
          check: "sec-review",
          actor: "sec-lead",
          at: "2026-06-16T09:00:00Z",
          reason: "threat model reviewed",
          url: url(first + 5),
          pullRequest: 7,
          prAuthor: "alice",
        },
      ],
      actors: {
        maintainer: { permission: "maintain", teams: [] },
        outsider: { permission: "none", teams: [] },
        "sec-lead": { permission: "read", teams: ["acme/security"] },
      },
      headPushedAt: "2026-06-12T08:00:00.000Z",
      pullRequests: [7],
    });
    expectRequestsDone();
  });

  it("reads every page, and only the teams it is given", async () => {
    const many = Array.from({ length: 100 }, (_, i) =>
      comment("bob", `comment ${i}`, `2026-06-01T00:${String(i % 60).padStart(2, "0")}:00Z`),
    );
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, many)
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "2" })
      .reply(200, [comment("bob", "/readiness unwaive deps", "2026-06-02T00:00:00Z")])
      .get("/repos/acme/shop/collaborators/bob/permission")
      .reply(200, permission("admin", "admin"));
    const ledger = await fetchLedger(octokit(), { owner: "acme", repo: "shop", target: prTarget, teams: [] });
    expect(ledger.commands.map((c) => [c.verb, c.actor])).toEqual([["unwaive", "bob"]]);
    expect(ledger.actors).toEqual({ bob: { permission: "admin", teams: [] } });
    expect(ledger.headPushedAt).toBeUndefined();
    expectRequestsDone();
  });

  it("refuses to read a partial ledger past 3000 comments", async () => {
    const full = Array.from({ length: 100 }, () => comment("bob", "hello", "2026-06-01T00:00:00Z"));
    for (let page = 1; page <= 30; page++) {
      scope
        .get("/repos/acme/shop/issues/7/comments")
        .query({ per_page: "100", page: String(page) })
        .reply(200, full);
    }
    await expect(
      fetchLedger(octokit(), { owner: "acme", repo: "shop", target: prTarget, teams: [] }),
    ).rejects.toThrow("acme/shop#7 has more than 3000 comments; the ledger reads at most that many");
    expectRequestsDone();
  });

  it("throws a clear error when the comments cannot be read (the provider makes it unknown)", async () => {
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(500, { message: "Server Error" });
    await expect(
      fetchLedger(octokit(), { owner: "acme", repo: "shop", target: prTarget, teams: [] }),
    ).rejects.toThrow(/^could not read the comments of acme\/shop#7: HTTP 500/);
  });

  it("throws when a permission cannot be read for any reason but 404", async () => {
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [comment("bob", "/readiness unwaive deps", "2026-06-02T00:00:00Z")])
      .get("/repos/acme/shop/collaborators/bob/permission")
      .reply(502, { message: "Bad Gateway" });
    await expect(
      fetchLedger(octokit(), { owner: "acme", repo: "shop", target: prTarget, teams: [] }),
    ).rejects.toThrow(/^could not read the permission of bob on acme\/shop: HTTP 502/);
  });

  it("leaves a team membership unknown on 403 (no members:read) and says so; a rate limit still throws", async () => {
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [comment("bob", "/readiness unwaive deps", "2026-06-02T00:00:00Z")])
      .get("/repos/acme/shop/collaborators/bob/permission")
      .reply(200, permission("read", "read"))
      .get("/orgs/acme/teams/release-managers/memberships/bob")
      .reply(403, { message: "Resource not accessible by integration" })
      .get("/orgs/acme/teams/security/memberships/bob")
      .reply(200, { state: "pending", role: "member", url: "" });
    const ledger = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: prTarget,
      teams: ["acme/release-managers", "acme/security"],
      log,
    });
    expect(ledger.actors.bob).toEqual({
      permission: "read",
      teams: [],
      unknownTeams: ["acme/release-managers"],
    });
    expect(warnings.map(([, msg]) => msg)).toContain(
      "team membership could not be read (403): the App needs the Organization members: read permission",
    );
    expectRequestsDone();

    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [comment("bob", "/readiness unwaive deps", "2026-06-02T00:00:00Z")])
      .get("/repos/acme/shop/collaborators/bob/permission")
      .reply(200, permission("read", "read"))
      .get("/orgs/acme/teams/release-managers/memberships/bob")
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" });
    await expect(
      fetchLedger(octokit(), {
        owner: "acme",
        repo: "shop",
        target: prTarget,
        teams: ["acme/release-managers"],
      }),
    ).rejects.toThrow(/^could not read whether bob is a member of acme\/release-managers: HTTP 403/);
  });

  it("falls back to the committer date without check suites, and leaves the push time out when neither answers", async () => {
    const signoffComments = () =>
      scope
        .get("/repos/acme/shop/issues/7/comments")
        .query({ per_page: "100", page: "1" })
        .reply(200, [comment("sec-lead", "/readiness signoff sec-review", "2026-06-16T09:00:00Z")])
        .get("/repos/acme/shop/collaborators/sec-lead/permission")
        .reply(200, permission("read", "read"));
    signoffComments()
      .get(`/repos/acme/shop/git/commits/${SHA}`)
      .reply(200, { sha: SHA, committer: { date: "2026-06-10T00:00:00Z" } })
      .get(`/repos/acme/shop/commits/${SHA}/check-suites`)
      .query({ per_page: "100" })
      .reply(403, { message: "Resource not accessible by integration" });
    const one = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: prTarget,
      teams: [],
      pushTime: true,
      log,
    });
    expect(one.headPushedAt).toBe("2026-06-10T00:00:00.000Z");
    expectRequestsDone();

    signoffComments()
      .get(`/repos/acme/shop/git/commits/${SHA}`)
      .reply(404, { message: "Not Found" })
      .get(`/repos/acme/shop/commits/${SHA}/check-suites`)
      .query({ per_page: "100" })
      .reply(200, { total_count: 0, check_suites: [] });
    const none = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: prTarget,
      teams: [],
      pushTime: true,
      log,
    });
    expect(none.headPushedAt).toBeUndefined();
    expect(none.commands).toHaveLength(1);
    expectRequestsDone();

    // No signoff check resets on push: the push time costs nothing.
    signoffComments();
    const unasked = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: prTarget,
      teams: [],
      log,
    });
    expect(unasked.headPushedAt).toBeUndefined();
    expectRequestsDone();
  });
});

describe("fetchLedger for a release", () => {
  it("reads the PRs that brought the commit in: merged ones and those whose head it is", async () => {
    scope
      .get(`/repos/acme/shop/commits/${SHA}/pulls`)
      .query({ per_page: "100" })
      .reply(200, [
        { number: 7, merged_at: "2026-06-14T00:00:00Z", user: { login: "alice" }, head: { sha: OTHER_SHA } },
        { number: 9, merged_at: null, user: { login: "carol" }, head: { sha: OTHER_SHA } },
        { number: 10, merged_at: null, user: { login: "dave" }, head: { sha: SHA } },
      ])
      .get("/repos/acme/shop/issues/10/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [
        comment("maintainer", "/readiness waive deps for 7d release candidate only", "2026-06-15T00:00:00Z"),
      ])
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [
        comment("maintainer", "/readiness waive runbook for 7d rewritten next week", "2026-06-13T00:00:00Z"),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(200, permission("maintain", "write"));
    const ledger = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: releaseTarget,
      teams: [],
    });
    expect(ledger.pullRequests).toEqual([10, 7]);
    expect(
      ledger.commands.map((c) => [
        c.check,
        (c as { pullRequest?: number }).pullRequest,
        (c as { prAuthor?: string }).prAuthor,
      ]),
    ).toEqual([
      ["runbook", 7, "alice"],
      ["deps", 10, "dave"],
    ]);
    expectRequestsDone();
  });

  it("a commit with no pull request has an empty ledger", async () => {
    scope.get(`/repos/acme/shop/commits/${SHA}/pulls`).query({ per_page: "100" }).reply(200, []);
    const ledger = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: releaseTarget,
      teams: [],
    });
    expect(ledger).toEqual({ commands: [], actors: {}, pullRequests: [] });
    expectRequestsDone();
  });

  it("a target with neither pull request nor commit asks nothing", async () => {
    const ledger = await fetchLedger(octokit(), {
      owner: "acme",
      repo: "shop",
      target: { context: "deployment", deployment: { environment: "production" } },
      teams: [],
    });
    expect(ledger).toEqual({ commands: [], actors: {}, pullRequests: [] });
    expect(recorder.requests).toEqual([]);
  });
});

describe("fetchActorFacts", () => {
  it("reads one person's role and memberships of the named teams", async () => {
    scope
      .get("/repos/acme/shop/collaborators/erin/permission")
      .reply(200, permission("triage", "read"))
      .get("/orgs/acme/teams/release-managers/memberships/erin")
      .reply(200, { state: "active", role: "maintainer", url: "" });
    const facts = await fetchActorFacts(octokit(), {
      owner: "acme",
      repo: "shop",
      username: "erin",
      teams: ["acme/release-managers", "not-a-team"],
    });
    expect(facts).toEqual({ permission: "triage", teams: ["acme/release-managers"] });
    expectRequestsDone();
  });
});

describe("fetchLedger → waiversFromLedger", () => {
  it("a maintainer's waiver counts; an outsider's and an edited one do not", async () => {
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [
        comment(
          "maintainer",
          "/readiness waive deps until 2026-06-30 vendor fix lands next sprint",
          "2026-06-15T10:00:00Z",
        ),
        comment("outsider", "/readiness waive runbook for 3d because I say so", "2026-06-15T11:00:00Z"),
        comment(
          "maintainer",
          "/readiness waive license for 3d edited after the fact",
          "2026-06-15T12:00:00Z",
          {
            updatedAt: "2026-06-16T12:00:00Z",
          },
        ),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(200, permission("maintain", "write"))
      .get("/repos/acme/shop/collaborators/outsider/permission")
      .reply(200, permission("read", "read"));
    const ledger = await fetchLedger(octokit(), { owner: "acme", repo: "shop", target: prTarget, teams: [] });
    const policy = PolicySchema.parse({
      version: 1,
      checks: {
        deps: { file: { path: "deps.lock" } },
        runbook: { file: { path: "RUNBOOK.md" } },
        license: { file: { path: "LICENSE" } },
      },
    });
    const waivers = waiversFromLedger(ledger, policy, prTarget, new Date("2026-06-20T00:00:00Z"));
    expect(waivers.map((w) => [w.check, w.approvedBy, w.expires])).toEqual([
      ["deps", "maintainer", "2026-06-30"],
    ]);
    expectRequestsDone();
  });
});
