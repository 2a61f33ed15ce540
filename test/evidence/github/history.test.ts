// lastChanged carried from one evaluated commit to the next with one compare, and when it must not be.
import nock from "nock";
import { afterEach, beforeEach, expect, test } from "vitest";
import { HistoryMemory } from "../../../src/evidence/github/history.js";
import type { Need } from "../../../src/evidence/types.js";
import {
  collectAll,
  commitItem,
  expectDone,
  github,
  makeProvider,
  OTHER_SHA,
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
  const { api } = github();
  for (const p of paths)
    api
      .get(`${REPO_PATH}/commits`)
      .query({ sha: SHA, path: p, per_page: "1" })
      .reply(200, [commitItem("2026-09-01T00:00:00Z", SHA)]);
  await collectAll(makeProvider({ history }), needs);
  expect(api.pendingMocks()).toEqual([]);
  return history;
}

const lookUp = (api: nock.Scope, path: string) =>
  api
    .get(`${REPO_PATH}/commits`)
    .query({ sha: OTHER_SHA, path, per_page: "1" })
    .reply(200, [commitItem("2026-11-20T00:00:00Z")]);

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
  expect(rec.count()).toBe(3);
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
    expect(rec.count()).toBe(4);
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
