import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ledgerView, waiversFromLedger } from "../../../src/commands/ledger.js";
import { GraphQLBatch } from "../../../src/evidence/github/graphql.js";
import { fetchActorFacts, fetchLedger } from "../../../src/evidence/github/ledger.js";
import { GitHubReader } from "../../../src/evidence/github/reader.js";
import { DEFAULT_LIMITS, type RepoScope } from "../../../src/evidence/github/scope.js";
import { encodeRecord, type LedgerRecord, recordMarker } from "../../../src/evidence/ledger-record.js";
import type { Target } from "../../../src/evidence/types.js";
import { policySchema } from "../../../src/policy/schema.js";
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

const APP_ID = 77;
/** The App's record of a person's comment, as the App posts it. */
function record(
  of: { id: number; created_at: string; user: { login: string } | null },
  commands: LedgerRecord["commands"],
  over: { appId?: number; updatedAt?: string; sha?: string } = {},
) {
  const r: LedgerRecord = {
    v: 1,
    comment: of.id,
    actor: of.user!.login,
    at: of.created_at,
    ...(over.sha ? { sha: over.sha } : {}),
    commands,
  };
  const c = comment(
    "readiness-gate[bot]",
    `${recordMarker(of.id)}\n${encodeRecord(r)}\nrecorded`,
    of.created_at,
    {
      type: "Bot",
      ...(over.updatedAt ? { updatedAt: over.updatedAt } : {}),
    },
  );
  return { ...c, performed_via_github_app: { id: over.appId ?? APP_ID } };
}

let scope: nock.Scope;
let recorder: RequestRecorder;
let warnings: [object, string | undefined][];
const log = { warn: (obj: object, msg?: string) => warnings.push([obj, msg]), debug() {} };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const octokit = () => new Octokit({ auth: "test-token", baseUrl: API, log: quiet });
function repoScope(): RepoScope & { reader: GitHubReader } {
  const reader = new GitHubReader(octokit(), { concurrency: 4, timeoutMs: 5000, log });
  return {
    reader,
    graphql: new GraphQLBatch(reader, "acme", "shop"),
    owner: "acme",
    repo: "shop",
    sha: SHA,
    limits: DEFAULT_LIMITS,
    log,
    now: () => new Date(),
  };
}

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
  it("reads this App's records only, with what happened to each comment since, and looks up only grantors", async () => {
    const waive = comment(
      "maintainer",
      "/readiness waive deps for 3d vendor fix next week",
      "2026-06-15T10:00:00Z",
    );
    const unwaive = comment("maintainer2", "/readiness  unwaive deps", "2026-06-16T10:00:00Z", {
      updatedAt: "2026-06-16T11:00:00Z",
    });
    const signoff = comment("qa", "/readiness signoff qa", "2026-06-16T12:00:00Z");
    const gone = { id: 999, created_at: "2026-06-14T10:00:00Z", user: { login: "writer" } };
    const stranger = comment(
      "stranger",
      "/readiness waive deps for 3d unrecorded and refused",
      "2026-06-17T10:00:00Z",
    );
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, [
        waive,
        record(waive, [
          { verb: "waive", check: "deps", until: "2026-06-18", reason: "vendor fix next week" },
        ]),
        unwaive,
        record(unwaive, [{ verb: "unwaive", check: "deps" }]),
        signoff,
        record(signoff, [{ verb: "signoff", check: "qa" }], { sha: SHA }),
        // The record of a comment since deleted; a forged record by another app; one a person altered.
        record(gone, [
          { verb: "waive", check: "runbook", until: "2026-06-20", reason: "deleted since then" },
        ]),
        record(
          stranger,
          [{ verb: "waive", check: "deps", until: "2026-06-20", reason: "forged by another app" }],
          {
            appId: 15368,
          },
        ),
        stranger,
        comment("bob", "just talk", "2026-06-17T11:00:00Z"),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(200, permission("maintain", "write"))
      .get("/repos/acme/shop/collaborators/qa/permission")
      .reply(200, permission("write", "write"))
      .get("/orgs/acme/teams/qa/memberships/maintainer")
      .reply(404, { message: "Not Found" })
      .get("/orgs/acme/teams/qa/memberships/qa")
      .reply(200, { state: "active" });
    const ledger = await fetchLedger(repoScope(), { target: prTarget, teams: ["acme/qa"], appId: APP_ID });
    expect(
      ledger.entries.map((e) => [
        e.record.actor,
        e.record.commands[0]!.verb,
        e.tampered,
        e.source?.edited ?? "deleted",
      ]),
    ).toEqual([
      ["maintainer", "waive", false, false],
      ["maintainer2", "unwaive", false, true],
      ["qa", "signoff", false, false],
      ["writer", "waive", false, "deleted"],
    ]);
    // Neither the unwaive's giver (a recorded revocation holds whoever gave it), nor the writer (deleted), nor
    // the stranger (never recorded) costs a look-up.
    expect(ledger.actors).toEqual({
      maintainer: { permission: "maintain", teams: [] },
      qa: { permission: "write", teams: ["acme/qa"] },
    });
    const commands = ledgerView(ledger).commands;
    expect(commands.find((c) => c.verb === "signoff")).toMatchObject({ headSha: SHA, prHeadSha: SHA });
    expectRequestsDone();
  });

  it("trusts no record when the App's id is unknown", async () => {
    const waive = comment(
      "maintainer",
      "/readiness waive deps for 3d vendor fix next week",
      "2026-06-15T10:00:00Z",
    );
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, [
        waive,
        record(waive, [{ verb: "waive", check: "deps", until: "2026-06-18", reason: "r" }]),
      ]);
    const ledger = await fetchLedger(repoScope(), { target: prTarget, teams: [] });
    expect(ledger.entries).toEqual([]);
    expectRequestsDone();
  });

  it("a record a person altered still revokes; its grants do not count", async () => {
    const waive = comment(
      "maintainer",
      "/readiness waive deps for 3d vendor fix next week",
      "2026-06-15T10:00:00Z",
    );
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, [
        waive,
        record(
          waive,
          [{ verb: "waive", check: "deps", until: "2026-06-18", reason: "vendor fix next week" }],
          {
            updatedAt: "2026-06-15T12:00:00Z",
          },
        ),
      ]);
    const ledger = await fetchLedger(repoScope(), { target: prTarget, teams: [], appId: APP_ID });
    expect(ledger.entries.map((e) => e.tampered)).toEqual([true]);
    expect(ledger.actors).toEqual({});
    expect(ledgerView(ledger).commands[0]).toMatchObject({ verb: "waive", edited: true });
    expectRequestsDone();
  });

  it("reads the pages after the first concurrently, keeping only what may matter", async () => {
    const link = (page: number) =>
      `<${API}/repos/acme/shop/issues/7/comments?per_page=100&page=${page}>; rel="next", <${API}/repos/acme/shop/issues/7/comments?per_page=100&page=3>; rel="last"`;
    const junk = Array.from({ length: 100 }, (_, i) => comment(`x${i}`, `junk ${i}`, "2026-06-01T00:00:00Z"));
    const waive = comment(
      "maintainer",
      "/readiness waive deps for 3d vendor fix next week",
      "2026-06-15T10:00:00Z",
    );
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, junk, { link: link(2) })
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "2" })
      .reply(200, junk, { link: link(3) })
      .get("/repos/acme/shop/issues/7/comments")
      .query({ per_page: "100", page: "3" })
      .reply(200, [
        waive,
        record(waive, [{ verb: "waive", check: "deps", until: "2026-06-18", reason: "r" }]),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(200, permission("maintain", "write"));
    const ledger = await fetchLedger(repoScope(), { target: prTarget, teams: [], appId: APP_ID });
    expect(ledger.entries).toHaveLength(1);
    expectRequestsDone();
  });

  it("refuses to read a partial ledger past 10,000 comments", async () => {
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query(true)
      .times(100)
      .reply(200, [], {
        link: `<${API}/repos/acme/shop/issues/7/comments?per_page=100&page=2>; rel="next", <${API}/repos/acme/shop/issues/7/comments?per_page=100&page=101>; rel="last"`,
      });
    await expect(fetchLedger(repoScope(), { target: prTarget, teams: [], appId: APP_ID })).rejects.toThrow(
      "#7 has more than 10000 comments; the ledger reads at most that many",
    );
  });

  it("throws a clear error when the comments cannot be read (the provider makes it unknown)", async () => {
    scope.get("/repos/acme/shop/issues/7/comments").query(true).reply(404, { message: "Not Found" });
    await expect(fetchLedger(repoScope(), { target: prTarget, teams: [], appId: APP_ID })).rejects.toThrow(
      "the comments of #7: not found (404 Not Found)",
    );
  });

  it("throws when a grantor's permission cannot be read for any reason but 404", async () => {
    const waive = comment(
      "maintainer",
      "/readiness waive deps for 3d vendor fix next week",
      "2026-06-15T10:00:00Z",
    );
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query(true)
      .reply(200, [
        waive,
        record(waive, [{ verb: "waive", check: "deps", until: "2026-06-18", reason: "r" }]),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(422, { message: "Unprocessable" });
    await expect(fetchLedger(repoScope(), { target: prTarget, teams: [], appId: APP_ID })).rejects.toThrow(
      "the permission of maintainer: GitHub answered 422 Unprocessable",
    );
  });
});

describe("fetchLedger for a release", () => {
  it("reads the PRs that brought the commit in: merged ones and those whose head it is", async () => {
    const pr = (number: number, merged: boolean, head: string) => ({
      number,
      merged_at: merged ? "2026-06-01T00:00:00Z" : null,
      user: { login: `author${number}` },
      head: { sha: head },
    });
    scope
      .get(`/repos/acme/shop/commits/${SHA}/pulls`)
      .query({ per_page: "100" })
      .reply(200, [pr(3, true, OTHER_SHA), pr(4, false, OTHER_SHA), pr(5, false, SHA)])
      .get("/repos/acme/shop/issues/5/comments")
      .query(true)
      .reply(200, [])
      .get("/repos/acme/shop/issues/3/comments")
      .query(true)
      .reply(200, []);
    const ledger = await fetchLedger(repoScope(), { target: releaseTarget, teams: [], appId: APP_ID });
    expect(ledger.pullRequests).toEqual([
      { number: 5, author: "author5", headSha: SHA },
      { number: 3, author: "author3", headSha: OTHER_SHA },
    ]);
    expectRequestsDone();
  });
});

describe("fetchActorFacts", () => {
  it("reads one person's role and memberships of the named teams; a 403 on a team leaves it unknown", async () => {
    scope
      .get("/repos/acme/shop/collaborators/alice/permission")
      .reply(200, permission("custom", "maintain"))
      .get("/orgs/acme/teams/sre/memberships/alice")
      .reply(200, { state: "active" })
      .get("/orgs/acme/teams/web/memberships/alice")
      .reply(403, { message: "Resource not accessible by integration" });
    const facts = await fetchActorFacts(octokit(), {
      owner: "acme",
      repo: "shop",
      username: "alice",
      teams: ["acme/sre", "acme/web", "not a team"],
    });
    expect(facts).toEqual({ permission: "maintain", teams: ["acme/sre"], unknownTeams: ["acme/web"] });
    expectRequestsDone();
  });
});

describe("fetchLedger → waiversFromLedger", () => {
  it("a maintainer's recorded waiver counts; one whose comment was edited since does not", async () => {
    const policy = policySchema().parse({
      version: 1,
      checks: { deps: { file: { path: "deps.lock" } }, runbook: { file: { path: "docs/runbook.md" } } },
      commands: { waive: { permission: "maintain" } },
    });
    const ok = comment(
      "maintainer",
      "/readiness waive deps for 3d vendor fix next week",
      "2026-06-15T10:00:00Z",
    );
    const edited = comment("maintainer", "/readiness waive runbook for 30d later", "2026-06-15T11:00:00Z", {
      updatedAt: "2026-06-15T12:00:00Z",
    });
    scope
      .get("/repos/acme/shop/issues/7/comments")
      .query(true)
      .reply(200, [
        ok,
        record(ok, [{ verb: "waive", check: "deps", until: "2026-06-18", reason: "vendor fix next week" }]),
        edited,
        record(edited, [
          { verb: "waive", check: "runbook", until: "2026-06-18", reason: "the runbook comes" },
        ]),
      ])
      .get("/repos/acme/shop/collaborators/maintainer/permission")
      .reply(200, permission("maintain", "write"));
    const ledger = await fetchLedger(repoScope(), { target: prTarget, teams: [], appId: APP_ID });
    const waivers = waiversFromLedger(ledgerView(ledger), policy, prTarget, new Date("2026-06-16T00:00:00Z"));
    expect(waivers.map((w) => [w.check, w.approvedBy])).toEqual([["deps", "maintainer"]]);
    expectRequestsDone();
  });
});
