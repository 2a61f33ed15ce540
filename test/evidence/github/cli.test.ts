// The CLI's GitHub mode: ref → target, and which policy it reads.
import nock from "nock";
import { afterEach, beforeEach, expect, test } from "vitest";
import { createCliGitHubEvidence } from "../../../src/evidence/github/cli.js";
import { expectDone, github, SHA } from "./fixtures.js";

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const repo = {
  id: 1,
  name: "shop",
  full_name: "acme/shop",
  default_branch: "main",
  html_url: "https://github.com/acme/shop",
};

test("pull/N: a pull_request target at the head; the policy comes from the BASE branch", async () => {
  const { api, rec } = github();
  api.get("/repos/acme/shop").matchHeader("authorization", "token ghp_test").reply(200, repo);
  api.get("/repos/acme/shop/pulls/42").reply(200, {
    number: 42,
    draft: false,
    html_url: "https://github.com/acme/shop/pull/42",
    user: { login: "octocat" },
    labels: [{ name: "release" }],
    head: { ref: "feature", sha: SHA },
    base: { ref: "main", sha: "0".repeat(40) },
  });
  api
    .get("/repos/acme/shop/contents/.readiness.yml")
    .query({ ref: "main" })
    .reply(200, "version: 1\n", { "content-type": "text/plain; charset=utf-8" });
  const gh = await createCliGitHubEvidence({
    owner: "acme",
    repo: "shop",
    ref: "pull/42",
    token: "ghp_test",
  });
  expect(gh.target).toEqual({
    context: "pull_request",
    repository: {
      owner: "acme",
      name: "shop",
      defaultBranch: "main",
      htmlUrl: "https://github.com/acme/shop",
    },
    sha: SHA,
    ref: "feature",
    pullRequest: {
      number: 42,
      baseRef: "main",
      headRef: "feature",
      headSha: SHA,
      labels: ["release"],
      draft: false,
      url: "https://github.com/acme/shop/pull/42",
      author: "octocat",
    },
  });
  expect(gh.provider.name).toBe("GitHub");
  expect(await gh.findPolicy()).toMatchObject({ path: ".readiness.yml", ref: "main" });
  expectDone(api, rec);
});

test("a tag with a release: context release; the policy from the default branch", async () => {
  const { api, rec } = github();
  api.get("/repos/acme/shop").reply(200, repo);
  api
    .get("/repos/acme/shop/commits/v1.2.0")
    .matchHeader("accept", "application/vnd.github.sha")
    .reply(200, SHA, { "content-type": "application/vnd.github.sha; charset=utf-8" });
  api.get("/repos/acme/shop/releases/tags/v1.2.0").reply(200, {
    id: 5,
    tag_name: "v1.2.0",
    html_url: "https://github.com/acme/shop/releases/tag/v1.2.0",
    prerelease: false,
  });
  const gh = await createCliGitHubEvidence({ owner: "acme", repo: "shop", ref: "v1.2.0", token: "t" });
  expect(gh.target).toMatchObject({
    context: "release",
    sha: SHA,
    ref: "v1.2.0",
    release: { tag: "v1.2.0", id: 5, prerelease: false },
  });
  expectDone(api, rec);
});

test("a branch without a release: context deployment (production); a full SHA skips the release lookup", async () => {
  const { api, rec } = github();
  api.get("/repos/acme/shop").twice().reply(200, repo);
  api.get("/repos/acme/shop/commits/main").reply(200, SHA, { "content-type": "application/vnd.github.sha" });
  api.get("/repos/acme/shop/releases/tags/main").reply(404, { message: "Not Found" });
  api.get(`/repos/acme/shop/commits/${SHA}`).reply(200, SHA, { "content-type": "text/plain; charset=utf-8" });
  const branch = await createCliGitHubEvidence({ owner: "acme", repo: "shop", ref: "main", token: "t" });
  expect(branch.target).toMatchObject({
    context: "deployment",
    sha: SHA,
    deployment: { environment: "production" },
  });
  const bySha = await createCliGitHubEvidence({
    owner: "acme",
    repo: "shop",
    ref: SHA,
    token: "t",
    environment: "staging",
  });
  expect(bySha.target).toMatchObject({ context: "deployment", deployment: { environment: "staging" } });
  expect(rec.count("GET /repos/acme/shop/releases")).toBe(1);
  expectDone(api, rec);
});

test("an unknown ref or a bad token throws a message that says what failed", async () => {
  const { api, rec } = github();
  api.get("/repos/acme/shop").reply(200, repo);
  api.get("/repos/acme/shop/commits/nope").reply(422, { message: "No commit found for SHA: nope" });
  api.get("/repos/acme/shop/releases/tags/nope").reply(404, { message: "Not Found" });
  await expect(
    createCliGitHubEvidence({ owner: "acme", repo: "shop", ref: "nope", token: "t" }),
  ).rejects.toThrow("ref nope of acme/shop: GitHub answered 422 No commit found for SHA: nope");
  api.get("/repos/acme/shop").reply(401, { message: "Bad credentials" });
  api.get("/repos/acme/shop/pulls/1").reply(401, { message: "Bad credentials" });
  await expect(
    createCliGitHubEvidence({ owner: "acme", repo: "shop", ref: "pull/1", token: "bad" }),
  ).rejects.toThrow(/GitHub rejected the credentials \(401 Bad credentials\)/);
  expectDone(api, rec);
});
