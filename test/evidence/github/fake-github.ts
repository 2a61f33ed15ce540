// A persisted nock scope that serves GET routes from a table like GitHub does: with an ETag per body,
// answering 304 to a matching If-None-Match, 404 to anything else. Tests change the table between
// evaluations to model GitHub's state moving on.
import { createHash } from "node:crypto";
import nock from "nock";
import { answerGraphQL } from "../../support/graphql.js";
import { type RequestRecorder, recordRequests } from "../../support/openapi.js";
import { API } from "./fixtures.js";

export interface FakeGitHub {
  scope: nock.Scope;
  rec: RequestRecorder;
  /** Path (with query, any order) → JSON body, or a function of the request headers. */
  routes: Map<string, unknown>;
  set(pathWithQuery: string, body: unknown, headers?: Record<string, string>): void;
  /** A fixed reply without ETag handling: redirects, errors. */
  fixed(pathWithQuery: string, status: number, body: unknown, headers?: Record<string, string>): void;
  /** Responses GitHub sent, by status; "304" included. */
  served: Record<string, number>;
  /**
   * Consulted when no route or fixed reply matches: a body computed from the path with its normalised
   * query (a model of a repository answers history and compares this way), or undefined for a 404.
   */
  resolve: ((pathWithQuery: string) => unknown) | undefined;
  reset(): void;
}

/** `/a?b=1&a=2` and `/a?a=2&b=1` are the same route. */
export function normalize(pathWithQuery: string): string {
  const [path, query = ""] = pathWithQuery.split("?");
  const params = [...new URLSearchParams(query)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return params.length ? `${path}?${new URLSearchParams(params).toString()}` : (path ?? "");
}

const etagOf = (body: unknown) =>
  `W/"${createHash("sha1")
    .update(typeof body === "string" ? body : JSON.stringify(body))
    .digest("hex")
    .slice(0, 16)}"`;

export function fakeGitHub(): FakeGitHub {
  const routes = new Map<string, unknown>();
  const extra = new Map<string, Record<string, string>>();
  const fixedReplies = new Map<string, [number, unknown, Record<string, string>]>();
  const served: Record<string, number> = {};
  const count = (status: number) => {
    served[String(status)] = (served[String(status)] ?? 0) + 1;
  };
  const scope = nock(API)
    .persist()
    .get(() => true)
    .query(true)
    .reply(function (uri) {
      const fixed = fixedReplies.get(normalize(uri));
      if (fixed) {
        count(fixed[0]);
        return fixed;
      }
      const body = routes.get(normalize(uri)) ?? gh.resolve?.(normalize(uri));
      if (body === undefined) {
        count(404);
        return [404, { message: "Not Found", status: "404" }];
      }
      const etag = etagOf(body);
      const headers = {
        etag,
        "x-ratelimit-remaining": "4321",
        "x-ratelimit-reset": "1795000000",
        ...extra.get(normalize(uri)),
      };
      if (this.req.headers["if-none-match"] === etag) {
        count(304);
        return [304, "", headers];
      }
      count(200);
      return typeof body === "string"
        ? [200, body, { ...headers, "content-type": "application/vnd.github.raw" }]
        : [200, body, headers];
    });
  // GraphQL, validated and executed against GitHub's schema, answered from the same table (./graphql.ts).
  scope.post("/graphql").reply((_uri, body, callback) => {
    answerGraphQL(body, async (p) => routes.get(normalize(p)) ?? gh.resolve?.(normalize(p))).then(
      (answer) => {
        count(answer.status);
        callback(null, [answer.status, answer.body as nock.ReplyBody, { "x-ratelimit-remaining": "4321" }]);
      },
      (error: Error) => callback(error, [500, { message: error.message }]),
    );
  });
  const rec = recordRequests(scope);
  const gh: FakeGitHub = {
    scope,
    rec,
    routes,
    served,
    resolve: undefined,
    fixed(pathWithQuery, status, body, headers = {}) {
      fixedReplies.set(normalize(pathWithQuery), [status, body, headers]);
    },
    set(pathWithQuery, body, headers) {
      routes.set(normalize(pathWithQuery), body);
      if (headers) extra.set(normalize(pathWithQuery), headers);
    },
    reset() {
      for (const k of Object.keys(served)) delete served[k];
      rec.requests.length = 0;
    },
  };
  return gh;
}
