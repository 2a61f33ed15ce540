// The shared OpenAPI helper (test/support/openapi.ts) rejects what GitHub does not have.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { checkEndpoint, expectKnownEndpoint, recordRequests } from "../../support/openapi.js";
import { makeOctokit } from "./fixtures.js";

describe("checkEndpoint", () => {
  test("known operations, with encoded or plain multi-segment parameters", () => {
    expect(expectKnownEndpoint("GET", "/repos/o/r/git/trees/abc?recursive=1")).toEqual({
      method: "GET",
      template: "/repos/{owner}/{repo}/git/trees/{tree_sha}",
      operationId: "git/get-tree",
    });
    expect(
      expectKnownEndpoint("get", "https://api.github.com/repos/o/r/contents/docs%2Fa.md?ref=main")
        .operationId,
    ).toBe("repos/get-content");
    expect(expectKnownEndpoint("GET", "/repos/o/r/rules/branches/release/1.x").operationId).toBe(
      "repos/get-branch-rules",
    );
    expect(expectKnownEndpoint("GET", "/repos/o/r/releases/latest").operationId).toBe(
      "repos/get-latest-release",
    );
    expect(expectKnownEndpoint("POST", "/repos/o/r/check-runs").operationId).toBe("checks/create");
  });

  test("unknown paths, methods, query parameters and enum values fail", () => {
    expect(checkEndpoint("GET", "/repos/o/r/nothing")).toMatchObject({ ok: false });
    expect(checkEndpoint("DELETE", "/repos/o/r/git/trees/abc")).toMatchObject({ ok: false });
    expect(checkEndpoint("GET", "/repos/o/r/actions/runs?headsha=x")).toMatchObject({
      ok: false,
      problem: expect.stringContaining('unknown query parameter "headsha"'),
    });
    expect(checkEndpoint("GET", "/repos/o/r/code-scanning/alerts?state=opened")).toMatchObject({
      ok: false,
      problem: expect.stringContaining('"state=opened" is not one of open, dismissed, fixed'),
    });
    expect(
      checkEndpoint("GET", "/repos/o/r/actions/runs?headsha=x", { allowUnknownQuery: true }),
    ).toMatchObject({ ok: true });
    expect(checkEndpoint("GET", "https://uploads.github.com/repos/o/r/releases/1/assets")).toMatchObject({
      ok: false,
    });
    expect(() => expectKnownEndpoint("GET", "/repos/o/r/nothing")).toThrow(/no such endpoint/);
  });

  test("required query parameters must be present", () => {
    expect(checkEndpoint("GET", "/search/code")).toMatchObject({
      ok: false,
      problem: expect.stringContaining('missing required query "q"'),
    });
    expect(checkEndpoint("GET", "/search/code?q=x")).toMatchObject({ ok: true });
  });
});

describe("recordRequests", () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  test("records what a scope intercepts and flags requests outside the API", async () => {
    const scope = nock("https://api.github.com");
    scope.get("/repos/o/r/branches/main").reply(200, {});
    scope.get("/repos/o/r/brunches/main").reply(200, {});
    const rec = recordRequests(scope);
    const octokit = makeOctokit();
    await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
      owner: "o",
      repo: "r",
      branch: "main",
    });
    await octokit.request("GET /repos/o/r/brunches/main");
    expect(rec.count()).toBe(2);
    expect(rec.count("GET /repos/o/r/branches")).toBe(1);
    expect(rec.requests[0]).toMatchObject({
      method: "GET",
      url: "https://api.github.com/repos/o/r/branches/main",
      operationId: "repos/get-branch",
      headers: expect.objectContaining({ authorization: "token test-token" }),
    });
    expect(() => rec.assertAllKnown()).toThrow(/GET \/repos\/o\/r\/brunches\/main: no such endpoint/);
    rec.stop();
  });
});
