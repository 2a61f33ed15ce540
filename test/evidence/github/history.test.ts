// lastChanged carried from one evaluated commit to the next with one compare, and when it must not be.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { HistoryMemory } from "../../../src/evidence/github/history.js";
import type { Need } from "../../../src/evidence/types.js";
import {
  collectAll,
  commitItem,
  expectDone,
  github,
  makeProvider,
  OTHER_SHA,
  pathHistory,
  REPO_PATH,
  SHA,
} from "./fixtures.js";

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const paths = ["docs/a.md", "docs/b.md", "docs/c.md"];
const needs = paths.map((path): Need => ({ type: "lastChanged", path }));

/** Evaluates SHA cold, remembering its dates. */
async function remembered(): Promise<HistoryMemory> {
  const history = new HistoryMemory();
  // Interceptors of earlier scopes (a persisted POST /graphql) would answer the next scope's queries.
  nock.cleanAll();
  const { api } = github();
  for (const p of paths) pathHistory(api, SHA, p, [commitItem("2026-09-01T00:00:00Z", SHA)]);
  await collectAll(makeProvider({ history }), needs);
  expect(api.pendingMocks()).toEqual([]);
  nock.cleanAll();
  return history;
}

const lookUp = (api: nock.Scope, path: string) =>
  pathHistory(api, OTHER_SHA, path, [commitItem("2026-11-20T00:00:00Z")]);

test("an ancestor: one compare; unchanged paths keep their date, changed and renamed ones are looked up", async () => {
  const history = await remembered();
  const { api, rec } = github();
  api.get(`${REPO_PATH}/compare/${SHA}...${OTHER_SHA}`).reply(200, {
    status: "ahead",
    files: [
      { filename: "docs/b.md", status: "modified" },
      { filename: "docs/c2.md", previous_filename: "docs/c.md", status: "renamed" },
    ],
  });
  lookUp(api, "docs/b.md");
  lookUp(api, "docs/c.md");
  const facts = await collectAll(makeProvider({ sha: OTHER_SHA, history }), needs);
  expect(facts).toEqual([
    { state: "ok", value: new Date("2026-09-01T00:00:00Z") },
    { state: "ok", value: new Date("2026-11-20T00:00:00Z") },
    { state: "ok", value: new Date("2026-11-20T00:00:00Z") },
  ]);
  // The compare, and one GraphQL query for both look-ups.
  expect(rec.count()).toBe(2);
  expect(rec.count("POST /graphql")).toBe(1);
  expectDone(api, rec);
});

test("diverged histories, or a compare listing 300 files (GitHub's cap), carry nothing over", async () => {
  for (const answer of [
    { status: "diverged", files: [] },
    { status: "ahead", files: Array.from({ length: 300 }, (_, i) => ({ filename: `x/${i}` })) },
  ]) {
    const history = await remembered();
    const { api, rec } = github();
    api.get(`${REPO_PATH}/compare/${SHA}...${OTHER_SHA}`).reply(200, answer);
    for (const p of paths) lookUp(api, p);
    const facts = await collectAll(makeProvider({ sha: OTHER_SHA, history }), needs);
    expect(facts).toEqual(paths.map(() => ({ state: "ok", value: new Date("2026-11-20T00:00:00Z") })));
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  }
});

test("the same commit again needs no request at all", async () => {
  const history = await remembered();
  const { api, rec } = github();
  const facts = await collectAll(makeProvider({ history }), needs);
  expect(facts.every((f) => f.state === "ok")).toBe(true);
  expect(rec.count()).toBe(0);
  expectDone(api, rec);
});

test("the memory is bounded by repositories", () => {
  const memory = new HistoryMemory({ maxRepos: 2, maxPathsPerRepo: 1 });
  memory.remember("a/a", SHA, "x", null);
  memory.remember("b/b", SHA, "x", null);
  memory.recall("a/a");
  memory.remember("c/c", SHA, "x", null);
  expect(memory.recall("b/b")).toBeUndefined();
  expect(memory.recall("a/a")?.dates.size).toBe(1);
  memory.remember("a/a", SHA, "y", null);
  expect(memory.recall("a/a")?.dates.has("y")).toBe(false);
});

describe("needs with `within` (freshness limits): two requests per window, whatever the number of paths", () => {
  // Evaluated at NOW; a 30-day window's cutoff is NOW − 30 days − 10 minutes, rounded down to the hour.
  const NOW = new Date("2026-11-20T12:00:00Z");
  const UNTIL_30 = "2026-10-21T11:00:00.000Z";
  const UNTIL_7 = "2026-11-13T11:00:00.000Z";
  const BASE = "1111111111111111111111111111111111111111";
  const BASE_7 = "7777777777777777777777777777777777777777";
  const five = ["a", "b", "c", "d", "e"].map((p) => `docs/${p}.md`);
  const within = (days: number, list = five) =>
    list.map((path): Need => ({ type: "lastChanged", path, within: days }));
  const at = (iso: string) => new Date(iso);

  /** The history before the window: the base and, below it, a root commit, both dated before the cutoff. */
  const ROOT_SHA = "0000000000000000000000000000000000000001";
  const base = (api: nock.Scope, until: string, sha: string, date: string) =>
    api
      .get(`${REPO_PATH}/commits`)
      .query({ sha: SHA, until, per_page: "100" })
      .reply(200, [
        { ...commitItem(date, sha), parents: [{ sha: ROOT_SHA }] },
        { ...commitItem("2025-01-01T00:00:00Z", ROOT_SHA), parents: [] },
      ]);
  const compare = (api: nock.Scope, from: string, files: string[], commitDates: string[], extra = {}) =>
    api
      .get(`${REPO_PATH}/compare/${from}...${SHA}`)
      .query({ per_page: "100" })
      .reply(200, {
        status: "ahead",
        total_commits: commitDates.length,
        commits: commitDates.map((d) => commitItem(d)),
        files: files.map((filename) => ({ filename, status: "modified" })),
        ...extra,
      });

  test("listed paths changed inside the window, unlisted ones before it: bounds, no per-path request", async () => {
    const { api, rec } = github();
    base(api, UNTIL_30, BASE, "2026-10-20T09:00:00Z");
    compare(
      api,
      BASE,
      ["docs/a.md", "docs/b.md", "src/x.ts"],
      ["2026-10-22T08:00:00Z", "2026-11-19T08:00:00Z"],
    );
    const facts = await collectAll(makeProvider({ now: () => NOW }), within(30));
    expect(facts).toEqual([
      { state: "ok", value: { newerThan: at("2026-10-22T08:00:00Z") } },
      { state: "ok", value: { newerThan: at("2026-10-22T08:00:00Z") } },
      { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } },
      { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } },
      { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } },
    ]);
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a commit of the range dated before the window (a late merge): listed paths are looked up exactly", async () => {
    const { api, rec } = github();
    base(api, UNTIL_30, BASE, "2026-10-20T09:00:00Z");
    compare(api, BASE, ["docs/a.md"], ["2026-09-01T08:00:00Z", "2026-11-19T08:00:00Z"]);
    pathHistory(api, SHA, "docs/a.md", [commitItem("2026-09-01T08:00:00Z")]);
    const facts = await collectAll(makeProvider({ now: () => NOW }), within(30));
    expect(facts[0]).toEqual({ state: "ok", value: at("2026-09-01T08:00:00Z") });
    expect(facts[1]).toEqual({ state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } });
    expect(rec.count()).toBe(3);
    expectDone(api, rec);
  });

  test("a compare listing 300 files (GitHub's cap): the base's tree is compared with the commit's instead", async () => {
    const { api, rec } = github();
    base(api, UNTIL_30, BASE, "2026-10-20T09:00:00Z");
    const files = ["docs/a.md", ...Array.from({ length: 299 }, (_, i) => `gen/${i}.txt`)];
    compare(api, BASE, files, ["2026-11-19T08:00:00Z"]);
    const blobs = (changed: string[]) => ({
      sha: "t",
      truncated: false,
      tree: five.map((path) => ({
        path,
        type: "blob",
        mode: "100644",
        sha: changed.includes(path) ? "b".repeat(40) : "a".repeat(40),
      })),
    });
    // The commit's tree is the file list's (one request for both); the base's is one more.
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, blobs(["docs/a.md", "docs/c.md"]));
    api.get(`${REPO_PATH}/git/trees/${BASE}`).query({ recursive: "1" }).reply(200, blobs([]));
    const facts = await collectAll(makeProvider({ now: () => NOW }), [{ type: "files" }, ...within(30)]);
    const fresh = { state: "ok", value: { newerThan: at("2026-11-19T08:00:00Z") } };
    const stale = { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } };
    expect(facts.slice(1)).toEqual([fresh, stale, fresh, stale, stale]);
    expect(rec.count()).toBe(4);
    expectDone(api, rec);
  });

  test("…and when a tree is truncated too, unlisted paths are looked up exactly", async () => {
    const { api, rec } = github();
    base(api, UNTIL_30, BASE, "2026-10-20T09:00:00Z");
    const files = ["docs/a.md", ...Array.from({ length: 299 }, (_, i) => `gen/${i}.txt`)];
    compare(api, BASE, files, ["2026-11-19T08:00:00Z"]);
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, { tree: [], truncated: true });
    api
      .get(`${REPO_PATH}/git/trees/${BASE}`)
      .query({ recursive: "1" })
      .reply(200, { tree: [], truncated: true });
    for (const p of five.slice(1)) pathHistory(api, SHA, p, [commitItem("2026-01-01T00:00:00Z")]);
    const facts = await collectAll(makeProvider({ now: () => NOW }), within(30));
    expect(facts[0]).toEqual({ state: "ok", value: { newerThan: at("2026-11-19T08:00:00Z") } });
    expect(facts.slice(1)).toEqual(
      five.slice(1).map(() => ({ state: "ok", value: at("2026-01-01T00:00:00Z") })),
    );
    // until, compare, both trees, and the four look-ups in one GraphQL query.
    expect(rec.count()).toBe(5);
    expectDone(api, rec);
  });

  test("several limits: the smallest window first; paths fresh there are fresh for every larger one", async () => {
    const { api, rec } = github();
    base(api, UNTIL_7, BASE_7, "2026-11-13T10:00:00Z");
    compare(api, BASE_7, ["docs/a.md", "docs/d.md"], ["2026-11-14T10:00:00Z"]);
    // docs/e.md (30 days) is not listed in the 7-day window: alone, it is looked up exactly.
    pathHistory(api, SHA, "docs/e.md", [commitItem("2026-10-30T00:00:00Z")]);
    const needs = [...within(7, five.slice(0, 3)), ...within(30, five.slice(3))];
    const facts = await collectAll(makeProvider({ now: () => NOW }), needs);
    expect(facts).toEqual([
      { state: "ok", value: { newerThan: at("2026-11-14T10:00:00Z") } },
      { state: "ok", value: { olderThan: at("2026-11-13T10:00:00Z") } },
      { state: "ok", value: { olderThan: at("2026-11-13T10:00:00Z") } },
      { state: "ok", value: { newerThan: at("2026-11-14T10:00:00Z") } },
      { state: "ok", value: at("2026-10-30T00:00:00Z") },
    ]);
    expect(rec.count()).toBe(3);
    expectDone(api, rec);
  });

  test("two paths or fewer: exact look-ups (one query, less than a window, and they give a date)", async () => {
    const { api, rec } = github();
    for (const p of five.slice(0, 2)) pathHistory(api, SHA, p, [commitItem("2026-11-01T00:00:00Z")]);
    const facts = await collectAll(makeProvider({ now: () => NOW }), within(30, five.slice(0, 2)));
    expect(facts).toEqual([0, 1].map(() => ({ state: "ok", value: at("2026-11-01T00:00:00Z") })));
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("no commit before the window (a young repository): exact look-ups", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/commits`).query({ sha: SHA, until: UNTIL_30, per_page: "100" }).reply(200, []);
    for (const p of five) pathHistory(api, SHA, p, [commitItem("2026-11-01T00:00:00Z")]);
    const facts = await collectAll(makeProvider({ now: () => NOW }), within(30));
    expect(facts.every((f) => f.state === "ok" && f.value instanceof Date)).toBe(true);
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("back-dated history: an ancestor of the base dated inside the window; unchanged paths are looked up exactly", async () => {
    // BASE (before the window) has a parent LATE dated inside it: the listing before the cutoff leaves LATE
    // out, so "unchanged since BASE" cannot say "older than BASE's date" (docs/b.md was changed by LATE).
    const LATE = "5555555555555555555555555555555555555555";
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/commits`)
      .query({ sha: SHA, until: UNTIL_30, per_page: "100" })
      .reply(200, [
        { ...commitItem("2026-10-20T09:00:00Z", BASE), parents: [{ sha: LATE }] },
        { ...commitItem("2025-01-01T00:00:00Z", ROOT_SHA), parents: [] },
      ]);
    compare(api, BASE, ["docs/a.md"], ["2026-11-19T08:00:00Z"]);
    const dates: Record<string, string> = {
      "docs/b.md": "2026-11-10T08:00:00Z",
      "docs/c.md": "2025-01-01T00:00:00Z",
      "docs/d.md": "2025-01-01T00:00:00Z",
      "docs/e.md": "2025-01-01T00:00:00Z",
    };
    for (const [p, d] of Object.entries(dates)) pathHistory(api, SHA, p, [commitItem(d)]);
    const facts = await collectAll(makeProvider({ now: () => NOW }), within(30));
    expect(facts).toEqual([
      { state: "ok", value: { newerThan: at("2026-11-19T08:00:00Z") } },
      ...Object.values(dates).map((d) => ({ state: "ok", value: at(d) })),
    ]);
    expect(rec.count()).toBe(3);
    expectDone(api, rec);
  });

  test("HistoryMemory: the same commit again costs nothing; the next one a compare, bounds carried", async () => {
    const history = new HistoryMemory();
    {
      const { api } = github();
      base(api, UNTIL_30, BASE, "2026-10-20T09:00:00Z");
      compare(api, BASE, ["docs/a.md"], ["2026-11-19T08:00:00Z"]);
      await collectAll(makeProvider({ now: () => NOW, history }), within(30));
      expect(api.pendingMocks()).toEqual([]);
    }
    {
      const { api, rec } = github();
      const facts = await collectAll(makeProvider({ now: () => NOW, history }), within(30));
      expect(facts.every((f) => f.state === "ok")).toBe(true);
      expect(rec.count()).toBe(0);
      expectDone(api, rec);
    }
    {
      const { api, rec } = github();
      api.get(`${REPO_PATH}/compare/${SHA}...${OTHER_SHA}`).reply(200, {
        status: "ahead",
        files: [{ filename: "docs/b.md", status: "modified" }],
      });
      lookUp(api, "docs/b.md");
      const later = new Date(NOW.getTime() + 3_600_000);
      const facts = await collectAll(makeProvider({ sha: OTHER_SHA, now: () => later, history }), within(30));
      expect(facts).toEqual([
        { state: "ok", value: { newerThan: at("2026-11-19T08:00:00Z") } },
        { state: "ok", value: at("2026-11-20T00:00:00Z") },
        { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } },
        { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } },
        { state: "ok", value: { olderThan: at("2026-10-20T09:00:00Z") } },
      ]);
      expect(rec.count()).toBe(2);
      expectDone(api, rec);
    }
  });
});

describe("a freshness window holding a commit dated in the future", () => {
  test("gives no 'changed within' bound: the changed paths are looked up and their future date reaches the check", async () => {
    const now = new Date("2026-11-20T12:00:00Z");
    const base = "2222222222222222222222222222222222222222";
    const future = "2027-11-20T00:00:00Z";
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/commits`)
      .query({ sha: SHA, until: "2026-10-21T11:00:00.000Z", per_page: "100" })
      .reply(200, [{ ...commitItem("2026-10-01T00:00:00Z", base), parents: [] }]);
    api
      .get(`${REPO_PATH}/compare/${base}...${SHA}`)
      .query({ per_page: "100" })
      .reply(200, {
        status: "ahead",
        total_commits: 1,
        commits: [commitItem(future, SHA)],
        files: [{ filename: "docs/a.md", status: "modified" }],
      });
    pathHistory(api, SHA, "docs/a.md", [commitItem(future, SHA)]);
    const within = paths.map((path): Need => ({ type: "lastChanged", path, within: 30 }));
    const facts = await collectAll(makeProvider({ now: () => now }), within);
    expect(facts).toEqual([
      { state: "ok", value: new Date(future) },
      { state: "ok", value: { olderThan: new Date("2026-10-01T00:00:00Z") } },
      { state: "ok", value: { olderThan: new Date("2026-10-01T00:00:00Z") } },
    ]);
    expectDone(api, rec);
  });
});
