// Which policy applies: the repository at the given ref, then the organisation's .github repository.

import { execFileSync } from "node:child_process";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  findChangedPolicy,
  findPolicy,
  PolicySourceError,
  remoteFetcher,
} from "../../../src/evidence/github/policy-source.js";
import { expectDone, github, makeOctokit } from "./fixtures.js";

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const RAW = "application/vnd.github.raw+json";
const yaml = "version: 1\nchecks: {}\n";
const notFound = { message: "Not Found", status: "404" };

describe("findPolicy", () => {
  test(".readiness.yml at the repository root, at the ref given (one request)", async () => {
    const { api, rec } = github();
    api
      .get("/repos/acme/shop/contents/.readiness.yml")
      .query({ ref: "main" })
      .matchHeader("accept", RAW)
      .reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" });
    expect(await findPolicy(makeOctokit(), { owner: "acme", repo: "shop", ref: "main" })).toEqual({
      text: yaml,
      path: ".readiness.yml",
      repo: "acme/shop",
      ref: "main",
    });
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("then .github/readiness.yml, then the organisation's .github repository on its default branch", async () => {
    const { api, rec } = github();
    api.get("/repos/acme/shop/contents/.readiness.yml").query({ ref: "release/2" }).reply(404, notFound);
    api
      .get("/repos/acme/shop/contents/.github%2Freadiness.yml")
      .query({ ref: "release/2" })
      .reply(404, notFound);
    api.get("/repos/acme/.github/contents/.readiness.yml").reply(404, notFound);
    api
      .get("/repos/acme/.github/contents/.github%2Freadiness.yml")
      .reply(200, Buffer.from(yaml), { "content-type": "application/vnd.github.raw" });
    expect(await findPolicy(makeOctokit(), { owner: "acme", repo: "shop", ref: "release/2" })).toEqual({
      text: yaml,
      path: ".github/readiness.yml",
      repo: "acme/.github",
    });
    expect(rec.requests.map((r) => r.path)).toEqual([
      "/repos/acme/shop/contents/.readiness.yml?ref=release%2F2",
      "/repos/acme/shop/contents/.github%2Freadiness.yml?ref=release%2F2",
      "/repos/acme/.github/contents/.readiness.yml",
      "/repos/acme/.github/contents/.github%2Freadiness.yml",
    ]);
    expectDone(api, rec);
  });

  test("none anywhere → null; the .github repository is not searched twice", async () => {
    const { api, rec } = github();
    api.get("/repos/acme/.github/contents/.readiness.yml").query({ ref: "main" }).reply(404, notFound);
    api
      .get("/repos/acme/.github/contents/.github%2Freadiness.yml")
      .query({ ref: "main" })
      .reply(404, notFound);
    expect(await findPolicy(makeOctokit(), { owner: "acme", repo: ".github", ref: "main" })).toBeNull();
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a .github repository the app cannot see counts as none; a directory is not a policy", async () => {
    const { api, rec } = github();
    api
      .get("/repos/acme/shop/contents/.readiness.yml")
      .query(true)
      .reply(200, [{ name: "x", type: "file" }]);
    api.get("/repos/acme/shop/contents/.github%2Freadiness.yml").query(true).reply(404, notFound);
    api
      .get("/repos/acme/.github/contents/.readiness.yml")
      .reply(403, { message: "Resource not accessible by integration" });
    expect(await findPolicy(makeOctokit(), { owner: "acme", repo: "shop", ref: "main" })).toBeNull();
    expectDone(api, rec);
  });

  test("any other failure is an error the App can report, not silence", async () => {
    const { api, rec } = github();
    api.get("/repos/acme/shop/contents/.readiness.yml").query(true).reply(502, "Bad Gateway");
    const error = await findPolicy(makeOctokit(), { owner: "acme", repo: "shop", ref: "main" }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(PolicySourceError);
    expect(error).toMatchObject({ status: 502 });
    expect((error as Error).message).toMatch(
      /^reading acme\/shop:\.readiness\.yml@main: GitHub answered 502/,
    );
    expectDone(api, rec);
  });
});

describe("findChangedPolicy: the head's policy file, read only when the pull request changed it", () => {
  const SHA = "e".repeat(40);
  const base = { path: ".readiness.yml", text: "version: 1\nchecks: {}\n" };
  // The blob id git itself gives the text (as a GitHub tree lists it).
  const gitBlob = (text: string) =>
    execFileSync("git", ["hash-object", "--stdin"], { input: text }).toString().trim();
  const treeOf = (entries: Record<string, string>, truncated = false) => ({
    sha: SHA,
    truncated,
    tree: Object.entries(entries).map(([path, sha]) => ({ path, mode: "100644", type: "blob", sha })),
  });
  const where = { owner: "acme", repo: "shop", sha: SHA };

  test("the same file as the base's: the commit's tree says so, the file is not read", async () => {
    const { api, rec } = github();
    api
      .get(`/repos/acme/shop/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, treeOf({ "README.md": gitBlob("# shop\n"), ".readiness.yml": gitBlob(base.text) }));
    expect(await findChangedPolicy(makeOctokit(), where, base)).toBeNull();
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("no policy file in the commit: null, from the tree alone", async () => {
    const { api, rec } = github();
    api
      .get(`/repos/acme/shop/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, treeOf({ "README.md": gitBlob("# shop\n") }));
    expect(await findChangedPolicy(makeOctokit(), where, base)).toBeNull();
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("a changed file (or a tree GitHub cut short) is read at the commit", async () => {
    const changed = `${base.text}# stricter\n`;
    for (const truncated of [false, true]) {
      const { api, rec } = github();
      api
        .get(`/repos/acme/shop/git/trees/${SHA}`)
        .query({ recursive: "1" })
        .reply(200, treeOf({ ".readiness.yml": gitBlob(truncated ? base.text : changed) }, truncated));
      api
        .get("/repos/acme/shop/contents/.readiness.yml")
        .query({ ref: SHA })
        .reply(200, changed, { "content-type": "application/vnd.github.raw" });
      expect(await findChangedPolicy(makeOctokit(), where, base)).toEqual({
        text: changed,
        path: ".readiness.yml",
        repo: "acme/shop",
        ref: SHA,
      });
      expect(rec.count()).toBe(2);
      expectDone(api, rec);
      nock.cleanAll();
    }
  });
});

describe("remoteFetcher", () => {
  test("reads owner/repo:path[@ref]; absent → null", async () => {
    const { api, rec } = github();
    api
      .get("/repos/acme/policies/contents/base%2Fservice.yml")
      .query({ ref: "v2" })
      .reply(200, yaml, { "content-type": "text/plain; charset=utf-8" });
    api.get("/repos/acme/policies/contents/missing.yml").reply(404, notFound);
    const fetchRemote = remoteFetcher(makeOctokit());
    expect(await fetchRemote({ owner: "acme", repo: "policies", path: "base/service.yml", ref: "v2" })).toBe(
      yaml,
    );
    expect(await fetchRemote({ owner: "acme", repo: "policies", path: "missing.yml" })).toBeNull();
    expectDone(api, rec);
  });

  test("a server error throws with a readable message", async () => {
    const { api, rec } = github();
    api.get("/repos/acme/policies/contents/a.yml").reply(500, { message: "Server Error" });
    await expect(
      remoteFetcher(makeOctokit())({ owner: "acme", repo: "policies", path: "a.yml" }),
    ).rejects.toThrow("reading acme/policies:a.yml: GitHub answered 500 Server Error");
    expectDone(api, rec);
  });
});
