// GitHub's GraphQL API for the stand-ins: every query is parsed and validated against GitHub's published
// schema (@octokit/graphql-schema's schema.graphql) and executed by `graphql` against that same schema, with
// resolvers for the fields the App uses. The resolvers answer from the stand-in's own REST answers (one
// source of truth: in test/support/git-github.ts those are computed by git from the repository on disk).
//
// Resolved: `repository(owner, name) { object(oid) { ... on Commit { oid committedDate authoredDate
// history(path, first) { nodes { oid committedDate authoredDate } } } ... on Blob { text byteSize isBinary
// isTruncated } } }` (a blob from `GET git/blobs/{oid}`). Anything else is null, so a query the stand-ins
// cannot answer shows up as a wrong result, not as a silent pass.
import { schema as published } from "@octokit/graphql-schema";
import { buildSchema, type DocumentNode, execute, type GraphQLSchema, parse, validate } from "graphql";

let schema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema, built once per process. */
export function githubSchema(): GraphQLSchema {
  // assumeValidSDL: this release of the file defines two fields of EnterpriseOwnerInfo twice.
  schema ??= buildSchema(published.idl, { assumeValidSDL: true });
  return schema;
}

/** The schema's complaints about a query (parse and validation errors); empty when GitHub would accept it. */
export function graphqlProblems(query: string): string[] {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (e) {
    return [(e as Error).message];
  }
  return validate(githubSchema(), doc).map((e) => e.message);
}

/** A REST GET answered by the stand-in itself: the body, or undefined for a 404. */
export type RestGet = (pathWithQuery: string) => Promise<unknown>;

interface RestCommit {
  sha: string;
  commit?: { committer?: { date?: string }; author?: { date?: string } };
}

const commitNode = (c: RestCommit) => ({
  __typename: "Commit",
  oid: c.sha,
  // GitHub always has both dates; a fixture giving one stands for both.
  committedDate: c.commit?.committer?.date ?? c.commit?.author?.date,
  authoredDate: c.commit?.author?.date ?? c.commit?.committer?.date,
});

/** Answers a POST /graphql body as GitHub does: 200 with `data` (and `errors`), 400 when it is no query. */
export async function answerGraphQL(
  body: unknown,
  restGet: RestGet,
): Promise<{ status: number; body: unknown }> {
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
  if (typeof query !== "string") return { status: 400, body: { message: "Problems parsing JSON" } };
  const problems = graphqlProblems(query);
  if (problems.length > 0) return { status: 200, body: { errors: problems.map((message) => ({ message })) } };
  const rootValue = {
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const base = `/repos/${owner}/${name}`;
      const commit = (oid: string) => ({
        __typename: "Commit",
        oid,
        history: async ({ path, first }: { path?: string; first?: number }) => {
          const q = new URLSearchParams({ sha: oid, per_page: String(Math.min(first ?? 30, 100)) });
          if (path !== undefined) q.set("path", path);
          const list = await restGet(`${base}/commits?${q}`);
          // No such repository or commit where the REST walk is asked: an error on the field, as GitHub's.
          if (!Array.isArray(list)) throw new Error(`Could not resolve to a commit: ${oid}`);
          return { nodes: (list as RestCommit[]).map(commitNode) };
        },
      });
      // A blob if the REST API has one by that SHA, else the commit (only the evaluated one is asked for,
      // which exists).
      const object = async ({ oid }: { oid?: string }) => {
        if (!oid) return null;
        const blob = await restGet(`${base}/git/blobs/${oid}`);
        if (blob === undefined || blob === null) return commit(oid);
        const bytes =
          typeof blob === "string"
            ? Buffer.from(blob, "utf8")
            : Buffer.from(String((blob as { content?: string }).content ?? ""), "base64");
        const isBinary = bytes.includes(0);
        return {
          __typename: "Blob",
          oid,
          byteSize: bytes.length,
          isBinary,
          isTruncated: false,
          text: isBinary ? null : bytes.toString("utf8"),
        };
      };
      return { __typename: "Repository", object };
    },
  };
  const result = await execute({
    schema: githubSchema(),
    document: parse(query),
    rootValue,
    variableValues: variables ?? {},
  });
  return { status: 200, body: JSON.parse(JSON.stringify(result)) };
}
