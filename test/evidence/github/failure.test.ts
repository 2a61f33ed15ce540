// The sentences a person reads when GitHub could not answer.
import { expect, test } from "vitest";
import { explain, type Failure, PERMISSIONS, toFailure } from "../../../src/evidence/github/failure.js";

const f = (status: number | null, message: string, headers: Failure["headers"] = {}): Failure => ({
  status,
  message,
  headers,
});

test("permission, credentials, rate limits, absence, server errors", () => {
  expect(
    explain(f(403, "Resource not accessible by integration"), "Dependabot alerts", PERMISSIONS.dependabot),
  ).toBe(
    "Dependabot alerts: GitHub refused (403 Resource not accessible by integration); the app needs the Dependabot alerts: read permission (vulnerability_alerts)",
  );
  expect(
    explain(
      f(403, "Resource not accessible by personal access token", {
        "x-accepted-github-permissions": "checks=read",
      }),
      "check runs",
    ),
  ).toBe(
    "check runs: GitHub refused (403 Resource not accessible by personal access token); the app needs the permission checks=read",
  );
  expect(explain(f(401, "Bad credentials"), "x")).toBe(
    "x: GitHub rejected the credentials (401 Bad credentials)",
  );
  expect(explain(f(403, "You have exceeded a secondary rate limit", { "retry-after": "60" }), "x")).toBe(
    "x: GitHub's secondary rate limit was hit (403 You have exceeded a secondary rate limit); try again in a minute",
  );
  expect(explain(f(429, "Too many", { "x-ratelimit-remaining": "0" }), "x")).toMatch(
    /rate limit for this installation is used up \(429\)$/,
  );
  expect(explain(f(404, "Not Found"), "x")).toBe(
    "x: not found (404 Not Found); it does not exist or the app cannot see it",
  );
  expect(explain(f(503, "Service Unavailable"), "x")).toBe("x: GitHub answered 503 Service Unavailable");
  expect(explain(f(null, "getaddrinfo ENOTFOUND api.github.com"), "x")).toBe(
    "x: could not reach GitHub (getaddrinfo ENOTFOUND api.github.com)",
  );
});

test("toFailure: a RequestError's status and headers, documentation links dropped; no response → no status", () => {
  const requestError = Object.assign(
    new Error("Not Found - https://docs.github.com/rest/repos/contents#get"),
    {
      status: 404,
      response: { headers: { "x-github-request-id": "1" }, data: {} },
    },
  );
  expect(toFailure(requestError)).toEqual({
    status: 404,
    message: "Not Found",
    headers: { "x-github-request-id": "1" },
  });
  expect(toFailure(Object.assign(new Error("socket hang up"), { status: 500 }))).toEqual({
    status: null,
    message: "socket hang up",
    headers: {},
  });
  expect(toFailure(new Error("x".repeat(500))).message).toHaveLength(200);
});
