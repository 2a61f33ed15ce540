// GitHub's GraphQL API for what it answers many at a time (per-path history), where REST asks once per item.
// Fields asked for during one turn of the event loop go out as one query (aliases f0, f1, …); the same field
// is asked once per evaluation. Values are passed as variables, never spliced into the query text.
// GraphQL answers 200 with `errors` naming the fields that failed: a failed field is a failure of its own,
// its neighbours still count. Rate limit: GraphQL has its own budget (points per hour, a query of first:1
// connections costs 1), apart from REST's 5,000 requests.
import type { Failure } from "./failure.js";
import type { GitHubReader } from "./reader.js";

/** A variable of a field: its GraphQL type and value. */
export interface Variable {
  type: "String!" | "GitObjectID!" | "Int!";
  value: string | number;
}

export type FieldReply<T> = { ok: true; data: T } | { ok: false; failure: Failure };

interface Queued {
  alias: string;
  text: string;
  resolve: (reply: FieldReply<unknown>) => void;
}

/** Aliases per query: GitHub caps a query's nodes and complexity; 50 first:1 connections stay well inside. */
export const MAX_FIELDS_PER_QUERY = 50;

interface GraphQLError {
  message?: string;
  type?: string;
  path?: (string | number)[];
}

export class GraphQLBatch {
  private readonly memo = new Map<string, Promise<FieldReply<unknown>>>();
  private readonly vars = new Map<string, Variable[]>();
  private queued: Queued[] = [];
  private next = 0;

  constructor(
    private readonly reader: GitHubReader,
    private readonly owner: string,
    private readonly repo: string,
  ) {}

  /**
   * One field of `repository(owner:, name:)`. `selection` names its variables `$0`, `$1`, … (renamed per
   * query); the answer is the field's value, null included.
   */
  field<T>(selection: string, variables: Variable[]): Promise<FieldReply<T>> {
    const key = `${selection}\u0000${JSON.stringify(variables)}`;
    let pending = this.memo.get(key);
    if (!pending) {
      const alias = `f${this.next++}`;
      const text = selection.replace(/\$(\d+)\b/g, (_, i: string) => `$${alias}_${i}`);
      pending = new Promise<FieldReply<unknown>>((resolve) => {
        if (this.queued.length === 0) setImmediate(() => this.flush());
        this.queued.push({ alias, text, resolve });
        this.vars.set(alias, variables);
      });
      this.memo.set(key, pending);
    }
    return pending as Promise<FieldReply<T>>;
  }

  private flush(): void {
    const all = this.queued;
    this.queued = [];
    for (let i = 0; i < all.length; i += MAX_FIELDS_PER_QUERY)
      void this.send(all.slice(i, i + MAX_FIELDS_PER_QUERY));
  }

  private async send(fields: Queued[]): Promise<void> {
    const declared = ["$owner: String!", "$name: String!"];
    const values: Record<string, unknown> = { owner: this.owner, name: this.repo };
    for (const f of fields) {
      (this.vars.get(f.alias) ?? []).forEach((v, i) => {
        declared.push(`$${f.alias}_${i}: ${v.type}`);
        values[`${f.alias}_${i}`] = v.value;
      });
    }
    const query = `query(${declared.join(", ")}) { repository(owner: $owner, name: $name) { ${fields
      .map((f) => `${f.alias}: ${f.text}`)
      .join(" ")} } }`;
    const reply = await this.reader.graphql<{
      data?: { repository?: Record<string, unknown> | null } | null;
      errors?: GraphQLError[];
    }>(query, values);
    for (const f of fields) {
      if (!reply.ok) {
        f.resolve(reply);
        continue;
      }
      const error = reply.data.errors?.find((e) => e.path?.[0] === "repository" && e.path[1] === f.alias);
      const repository = reply.data.data?.repository;
      const whole = reply.data.errors?.find((e) => !e.path || e.path.length < 2);
      if (error || whole || !repository) {
        const e = error ?? whole;
        f.resolve({
          ok: false,
          failure: {
            status: e?.type === "NOT_FOUND" || (!e && !repository) ? 404 : reply.status,
            message: `GraphQL: ${e?.message ?? "no repository in the answer"}`,
            headers: {},
          },
        });
        continue;
      }
      f.resolve({ ok: true, data: repository[f.alias] ?? null });
    }
  }
}
