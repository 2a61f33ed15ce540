// A local stand-in for the part of GitHub's REST API the App uses, served on 127.0.0.1 under /api/v3 (the
// GitHub Enterprise Server layout, so the App reaches it through GITHUB_API_URL). It keeps state
// (repositories, files per commit, pull requests, workflow runs, check runs, comments, releases, deployment
// gate answers) and records every request, so a test asserts on what the App wrote.
//
// Built to be extended: `use()` adds middleware that runs before routing (latency, faults, rate limits),
// `route()` adds or overrides an endpoint. A load or fault-injection test composes those.
import { createHash, createPublicKey, createVerify, type KeyObject, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerGraphQL } from "./graphql.js";

export interface StandInRequest {
  method: string;
  /** Path below /api/v3, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** Set by the router: the route's named parameters. */
  params: Record<string, string>;
  /** When the request arrived (ms since epoch). */
  at: number;
}

export interface StandInReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: StandInRequest, gh: GitHubStandIn) => StandInReply | Promise<StandInReply>;
/** Returns a reply to answer instead of routing (a fault), or undefined to go on. May await (latency). */
export type Middleware = (
  req: StandInRequest,
  gh: GitHubStandIn,
) => StandInReply | undefined | Promise<StandInReply | undefined>;

export interface PullRequestSeed {
  number: number;
  base: string;
  head: string;
  headSha: string;
  labels?: string[];
  state?: "open" | "closed";
  draft?: boolean;
  user?: string;
}

export interface WorkflowRunSeed {
  id?: number;
  name: string;
  path: string;
  headSha: string;
  branch?: string;
  event?: string;
  status?: string;
  conclusion?: string | null;
  createdAt?: string;
  /** Environments the run waits on (status `waiting`); a decision on one takes it off the list. */
  pendingEnvironments?: string[];
}

export interface RepoSeed {
  owner: string;
  name: string;
  id?: number;
  defaultBranch?: string;
  /** Files by ref: a branch name, a tag or a commit sha → path → text. */
  files?: Record<string, Record<string, string>>;
  /** Branch and tag names → commit sha, so `contents?ref=main` and tags resolve. */
  refs?: Record<string, string>;
  pulls?: PullRequestSeed[];
  runs?: WorkflowRunSeed[];
  releases?: { id: number; tag: string; draft?: boolean; prerelease?: boolean }[];
  /** Login → role (admin, maintain, write, triage, read) for the collaborator permission endpoint. */
  collaborators?: Record<string, string>;
  /** Environment name → ids of the Apps whose custom protection rule it has enabled. */
  environments?: Record<string, number[]>;
  /** Listed only for this installation's tokens; absent: for every installation. */
  installationId?: number;
  topics?: string[];
  /** `pushed_at` in the installation's listing (absent: not given). */
  pushedAt?: string;
}

export interface CheckRunState {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  output: { title?: string; summary?: string; text?: string };
  annotations: unknown[];
  actions: unknown[];
  app_id: number;
  /** Every write to this run, in order. */
  writes: Record<string, unknown>[];
  /** Writes refused because the run was already completed. */
  rejectedWrites: Record<string, unknown>[];
}

export interface CommentState {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  app_id: number | null;
  user: string;
  edits: number;
  /** ISO times GitHub reports, fixed when first shown if not given; `updatedAt` moves on every edit. */
  createdAt?: string;
  updatedAt?: string;
}

export interface ReactionState {
  owner: string;
  repo: string;
  commentId: number;
  content: string;
}

export interface GateAnswer {
  owner: string;
  repo: string;
  runId: number;
  environment_name: string;
  state?: string;
  comment?: string;
}

export interface StandInOptions {
  /** The App's id: check runs and comments written with an installation token belong to it. */
  appId: number;
  /** PEM of the App's public key: installation token requests must carry a JWT it verifies. */
  publicKey?: string;
  /** Installations; `appId` (default: this App's) lets a test add another App's installation. */
  installations?: { id: number; account: string; appId?: number }[];
  /** The App's OAuth client, for signing in to the dashboard (the web flow under /login/oauth). */
  oauth?: { clientId: string; clientSecret: string; callbackUrl?: string };
  /**
   * Answer GETs with an ETag and a matching If-None-Match with 304, as GitHub does (off by default: the
   * request counts of other suites assume full answers).
   */
  etags?: boolean;
}

/** A person who signs in with GitHub, and the repositories (owner/name) they can read. */
export interface UserSeed {
  login: string;
  id?: number;
  repositories: string[];
}

const API = "/api/v3";
const GRAPHQL = "/api/graphql";

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
  /** Answered without a token (GitHub's web pages and the OAuth endpoints). */
  open?: boolean;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split("/")
    .map((seg) => {
      if (seg.startsWith(":")) {
        names.push(seg.slice(1));
        return "([^/]+)";
      }
      if (seg.startsWith("*")) {
        names.push(seg.slice(1));
        return "(.+)";
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { pattern: new RegExp(`^${source}$`), names };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): StandInReply => ({
  status,
  body,
  headers,
});
const notFound = (): StandInReply =>
  json(404, { message: "Not Found", documentation_url: "https://docs.github.com" });

function verifyJwt(token: string, key: KeyObject, appId: number): boolean {
  const [h, p, s] = token.split(".");
  if (!h || !p || !s) return false;
  const verifier = createVerify("RSA-SHA256");
  verifier.update(`${h}.${p}`);
  if (!verifier.verify(key, Buffer.from(s, "base64url"))) return false;
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { iss?: unknown; exp?: number };
  return String(claims.iss) === String(appId) && (claims.exp ?? 0) * 1000 > Date.now();
}

export class GitHubStandIn {
  readonly requests: StandInRequest[] = [];
  readonly repos = new Map<
    string,
    Required<Omit<RepoSeed, "id" | "installationId" | "pushedAt">> & {
      id: number;
      installationId?: number;
      pushedAt?: string;
    }
  >();
  /** Installation token → the installation it was made for. */
  readonly tokenInstallations = new Map<string, number>();
  readonly checkRuns: CheckRunState[] = [];
  readonly comments: CommentState[] = [];
  readonly reactions: ReactionState[] = [];
  readonly gateAnswers: GateAnswer[] = [];
  readonly issues: { owner: string; repo: string; number: number; title: string; body: string }[] = [];
  readonly releasePatches: { owner: string; repo: string; id: number; body: unknown }[] = [];
  /** Installation tokens handed out; a test can assert none of them reached a log. */
  readonly tokens: string[] = [];
  /** People who can sign in, by login (lower case). */
  readonly users = new Map<string, { login: string; id: number; repositories: Set<string> }>();
  /** User-to-server tokens handed out by the OAuth flow → login; delete one to revoke it. */
  readonly userTokens = new Map<string, string>();
  /** OAuth codes not yet exchanged → who authorised and until when. */
  private readonly codes = new Map<string, { login: string; until: number }>();
  private readonly routes: Route[] = [];
  private readonly middleware: Middleware[] = [];
  private readonly publicKey: KeyObject | undefined;
  private server: Server | undefined;
  private nextId = 1000;
  origin = "";

  constructor(readonly options: StandInOptions) {
    this.publicKey = options.publicKey ? createPublicKey(options.publicKey) : undefined;
    this.defaultRoutes();
  }

  /** host:port. */
  get host(): string {
    return this.origin.replace(/^https?:\/\//, "");
  }

  get baseUrl(): string {
    return `${this.origin}${API}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  use(mw: Middleware): this {
    this.middleware.push(mw);
    return this;
  }

  /** Routes added later win over earlier ones (and over the defaults). */
  route(method: string, path: string, handler: RouteHandler, o: { open?: boolean } = {}): this {
    const { pattern, names } = compile(path);
    this.routes.unshift({ method: method.toUpperCase(), pattern, names, handler, ...o });
    return this;
  }

  /** Someone who can sign in with GitHub and read `repositories` (owner/name). */
  addUser(seed: UserSeed): this {
    this.users.set(seed.login.toLowerCase(), {
      login: seed.login,
      id: seed.id ?? this.nextId++,
      repositories: new Set(seed.repositories.map((r) => r.toLowerCase())),
    });
    return this;
  }

  /** The user a request's user-to-server token belongs to. */
  private userOf(req: StandInRequest) {
    const token = String(req.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "");
    const login = this.userTokens.get(token);
    return login ? this.users.get(login.toLowerCase()) : undefined;
  }

  /** Installations of this App (or another) with the repositories this user can read in each. */
  private userInstallations(user: { repositories: Set<string> }) {
    return (this.options.installations ?? [{ id: 1, account: "octo" }])
      .map((i) => ({
        ...i,
        repos: [...this.repos.values()].filter(
          (r) =>
            r.owner.toLowerCase() === i.account.toLowerCase() &&
            user.repositories.has(`${r.owner}/${r.name}`.toLowerCase()),
        ),
      }))
      .filter((i) => i.repos.length > 0);
  }

  addRepo(seed: RepoSeed): this {
    const repo = {
      owner: seed.owner,
      name: seed.name,
      id: seed.id ?? this.nextId++,
      defaultBranch: seed.defaultBranch ?? "main",
      files: seed.files ?? {},
      refs: seed.refs ?? {},
      pulls: seed.pulls ?? [],
      runs: (seed.runs ?? []).map((r) => ({ ...r, id: r.id ?? this.nextId++ })),
      releases: seed.releases ?? [],
      collaborators: seed.collaborators ?? {},
      environments: seed.environments ?? {},
      topics: seed.topics ?? [],
      ...(seed.installationId !== undefined ? { installationId: seed.installationId } : {}),
      ...(seed.pushedAt ? { pushedAt: seed.pushedAt } : {}),
    };
    this.repos.set(`${seed.owner}/${seed.name}`.toLowerCase(), repo);
    return this;
  }

  /** A comment by a person (not the App), as if posted at `createdAt` (now by default). */
  addComment(c: {
    owner: string;
    repo: string;
    issue: number;
    user: string;
    body: string;
    createdAt?: string;
  }) {
    const at = c.createdAt ?? new Date().toISOString();
    const comment: CommentState = {
      id: this.nextId++,
      owner: c.owner,
      repo: c.repo,
      issue: c.issue,
      body: c.body,
      app_id: null,
      user: c.user,
      edits: 0,
      createdAt: at,
      updatedAt: at,
    };
    this.comments.push(comment);
    return comment;
  }

  /** A completed check run of this App, as if written earlier (a seeded history links to it). */
  addCheckRun(r: {
    owner: string;
    repo: string;
    name: string;
    sha: string;
    conclusion: string;
  }): CheckRunState {
    const run: CheckRunState = {
      id: this.nextId++,
      owner: r.owner,
      repo: r.repo,
      name: r.name,
      head_sha: r.sha,
      status: "completed",
      conclusion: r.conclusion,
      external_id: null,
      output: { title: r.conclusion },
      annotations: [],
      actions: [],
      app_id: this.options.appId,
      writes: [],
      rejectedWrites: [],
    };
    this.checkRuns.push(run);
    return run;
  }

  /** A check run's page on GitHub (its html_url). */
  checkRunUrl(r: CheckRunState): string {
    return `${this.origin}/${r.owner}/${r.repo}/runs/${r.id}`;
  }

  /** The comment as the issue_comment webhook and the REST API show it. */
  commentPayload(c: CommentState) {
    return this.commentJson(c);
  }

  repo(owner: string, name: string) {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  /** Requests whose "METHOD /path" (below /api/v3, no query) starts with `prefix`. */
  count(prefix = ""): number {
    return this.requests.filter((r) => `${r.method} ${r.path}`.startsWith(prefix)).length;
  }

  /** Requests that wrote something (anything but GET, GraphQL queries and the token exchange). */
  writes(): StandInRequest[] {
    return this.requests.filter(
      (r) => r.method !== "GET" && r.path !== GRAPHQL && !r.path.endsWith("/access_tokens"),
    );
  }

  // ------------------------------------------------------------------ plumbing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.origin || "http://127.0.0.1");
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // keep the text
    }
    const path = url.pathname.startsWith(API) ? url.pathname.slice(API.length) || "/" : url.pathname;
    const request: StandInRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      path: decodeURI(path),
      query: url.searchParams,
      headers: req.headers,
      body,
      params: {},
      at: Date.now(),
    };
    this.requests.push(request);
    let reply: StandInReply | undefined;
    try {
      for (const mw of this.middleware) {
        reply = await mw(request, this);
        if (reply) break;
      }
      if (!reply) reply = await this.dispatch(request);
    } catch (e) {
      reply = json(500, { message: `stand-in error: ${(e as Error).message}` });
    }
    const headers: Record<string, string> = {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-github-request-id": randomUUID(),
      ...(reply.headers ?? {}),
    };
    if (this.options.etags && request.method === "GET" && reply.status === 200 && reply.body !== undefined) {
      const bytes = reply.body instanceof Uint8Array ? reply.body : JSON.stringify(reply.body);
      const etag = `W/"${createHash("sha1").update(bytes).digest("hex")}"`;
      headers.etag = etag;
      if (request.headers["if-none-match"] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
    } else if (reply.body instanceof Uint8Array) {
      // Binary downloads (artifact and repository zips).
      res.writeHead(reply.status, { "content-type": "application/zip", ...headers }).end(reply.body);
    } else if (typeof reply.body === "string") {
      res
        .writeHead(reply.status, { "content-type": "application/vnd.github.raw", ...headers })
        .end(reply.body);
    } else {
      res
        .writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...headers })
        .end(JSON.stringify(reply.body));
    }
  }

  private async dispatch(req: StandInRequest): Promise<StandInReply> {
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(req.path);
      if (!m) continue;
      req.params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")]));
      const app = req.path === "/app" || req.path.startsWith("/app/");
      const user = req.path === "/user" || req.path.startsWith("/user/");
      if (!route.open && !app && !(user ? this.userOf(req) : this.installationAuthorized(req))) {
        return json(401, { message: "Bad credentials" });
      }
      return route.handler(req, this);
    }
    return notFound();
  }

  private installationAuthorized(req: StandInRequest): boolean {
    const auth = String(req.headers.authorization ?? "");
    const token = auth.replace(/^(token|bearer)\s+/i, "");
    return this.tokens.includes(token);
  }

  private appAuthorized(req: StandInRequest): boolean {
    const auth = String(req.headers.authorization ?? "");
    if (!/^bearer\s+/i.test(auth)) return false;
    if (!this.publicKey) return true;
    return verifyJwt(auth.replace(/^bearer\s+/i, ""), this.publicKey, this.options.appId);
  }

  private resolveRef(repo: ReturnType<GitHubStandIn["repo"]>, ref: string | null): string {
    if (!repo) return ref ?? "";
    const r = ref ?? repo.defaultBranch;
    return repo.refs[r] ?? r;
  }

  private filesAt(repo: NonNullable<ReturnType<GitHubStandIn["repo"]>>, ref: string | null) {
    const name = ref ?? repo.defaultBranch;
    return repo.files[name] ?? repo.files[this.resolveRef(repo, name)];
  }

  private pullJson(repo: NonNullable<ReturnType<GitHubStandIn["repo"]>>, pr: PullRequestSeed) {
    const base = `${this.baseUrl}/repos/${repo.owner}/${repo.name}`;
    return {
      id: pr.number * 1000,
      number: pr.number,
      state: pr.state ?? "open",
      draft: pr.draft ?? false,
      title: `PR ${pr.number}`,
      html_url: `${this.origin}/${repo.owner}/${repo.name}/pull/${pr.number}`,
      url: `${base}/pulls/${pr.number}`,
      user: { login: pr.user ?? "octocat", type: "User" },
      labels: (pr.labels ?? []).map((name, i) => ({ id: i + 1, name })),
      merged_at: null,
      base: { ref: pr.base, sha: this.resolveRef(repo, pr.base), repo: { id: repo.id } },
      head: { ref: pr.head, sha: pr.headSha, repo: { id: repo.id } },
    };
  }

  private defaultRoutes(): void {
    const repoOf = (req: StandInRequest) => this.repo(req.params.owner ?? "", req.params.repo ?? "");

    // GraphQL (GHES layout: /api/graphql beside /api/v3), validated against GitHub's schema and answered
    // from this stand-in's own REST routes, overrides included (git-github.ts): one source of truth.
    this.route("POST", GRAPHQL, async (req) => {
      const restGet = async (pathWithQuery: string) => {
        const url = new URL(pathWithQuery, "http://stand-in");
        const reply = await this.dispatch({
          method: "GET",
          path: decodeURI(url.pathname),
          query: url.searchParams,
          headers: { authorization: req.headers.authorization },
          body: undefined,
          params: {},
          at: req.at,
        });
        return reply.status === 200 ? reply.body : undefined;
      };
      const answer = await answerGraphQL(req.body, restGet);
      return json(answer.status, answer.body);
    });

    // The App itself, as its JWT shows it; GitHub answers a JWT it cannot verify (another key, another
    // App's id) with this 401 message.
    this.route("GET", "/app", (req) => {
      if (!this.appAuthorized(req)) return json(401, { message: "A JSON web token could not be decoded" });
      const id = this.options.appId;
      return json(200, { id, slug: "readiness-gate", name: "Readiness Gate", owner: { login: "octo" } });
    });
    this.route("POST", "/app/installations/:id/access_tokens", (req) => {
      if (!this.appAuthorized(req)) return json(401, { message: "A JSON web token could not be decoded" });
      const token = `ghs_standin${randomUUID().replace(/-/g, "")}`;
      this.tokens.push(token);
      this.tokenInstallations.set(token, Number(req.params.id));
      return json(201, {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: {},
        repository_selection: "all",
      });
    });
    this.route("GET", "/app/installations", (req) => {
      if (!this.appAuthorized(req)) return json(401, { message: "A JSON web token could not be decoded" });
      return json(
        200,
        (this.options.installations ?? [{ id: 1, account: "octo" }]).map((i) => ({
          id: i.id,
          account: { login: i.account },
        })),
      );
    });
    this.route("GET", "/installation/repositories", (req) => {
      const installation = this.tokenInstallations.get(
        String(req.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, ""),
      );
      const all = [...this.repos.values()]
        .filter((r) => r.installationId === undefined || r.installationId === installation)
        .map((r) => ({
          id: r.id,
          name: r.name,
          full_name: `${r.owner}/${r.name}`,
          owner: { login: r.owner },
          default_branch: r.defaultBranch,
          archived: false,
          topics: r.topics,
          ...(r.pushedAt ? { pushed_at: r.pushedAt } : {}),
        }));
      // Pages as GitHub gives them: per_page (30 by default, at most 100), a Link to the next one.
      const perPage = Math.min(100, Number(req.query.get("per_page") ?? 30) || 30);
      const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
      const repositories = all.slice((page - 1) * perPage, page * perPage);
      const more = page * perPage < all.length;
      const next = `${this.baseUrl}/installation/repositories?per_page=${perPage}&page=${page + 1}`;
      return json(
        200,
        { total_count: all.length, repositories },
        more ? { link: `<${next}>; rel="next"` } : {},
      );
    });
    // A ref's commit; with the `sha` media type, the bare SHA.
    this.route("GET", "/repos/:owner/:repo/commits/:ref", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      const sha = this.resolveRef(repo, req.params.ref ?? null);
      if (!/^[0-9a-f]{40}$/.test(sha))
        return json(422, { message: `No commit found for SHA: ${req.params.ref}` });
      if (String(req.headers.accept ?? "").includes("sha")) return { status: 200, body: sha };
      return json(200, { sha, commit: { message: "stand-in" }, files: [] });
    });

    this.oauthRoutes();

    this.route("GET", "/repos/:owner/:repo/contents/*path", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      const files = this.filesAt(repo, req.query.get("ref"));
      const path = req.params.path ?? "";
      const text = files?.[path];
      if (text === undefined) {
        // A directory: its files (GitHub lists subdirectories too; no caller here needs them).
        const inside = Object.entries(files ?? {}).filter(
          ([p]) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes("/"),
        );
        if (inside.length === 0) return notFound();
        return json(
          200,
          inside.map(([p, t]) => ({
            type: "file",
            name: p.slice(path.length + 1),
            path: p,
            sha: blobSha(t),
            size: Buffer.byteLength(t),
          })),
        );
      }
      if (String(req.headers.accept ?? "").includes("raw")) return { status: 200, body: text };
      return json(200, {
        type: "file",
        path: req.params.path,
        encoding: "base64",
        content: Buffer.from(text).toString("base64"),
        size: Buffer.byteLength(text),
      });
    });
    this.route("GET", "/repos/:owner/:repo/git/trees/:sha", (req) => {
      const repo = repoOf(req);
      const files = repo ? this.filesAt(repo, req.params.sha ?? null) : undefined;
      if (!files) return notFound();
      const tree = Object.entries(files).map(([path, text]) => ({
        path,
        mode: "100644",
        type: "blob",
        sha: blobSha(text),
        size: Buffer.byteLength(text),
      }));
      return json(200, { sha: req.params.sha, tree, truncated: false });
    });
    this.route("GET", "/repos/:owner/:repo/git/blobs/:sha", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      for (const files of Object.values(repo.files))
        for (const text of Object.values(files))
          if (blobSha(text) === req.params.sha) {
            if (String(req.headers.accept ?? "").includes("raw")) return { status: 200, body: text };
            return json(200, {
              sha: req.params.sha,
              encoding: "base64",
              content: Buffer.from(text).toString("base64"),
            });
          }
      return notFound();
    });
    this.route("GET", "/repos/:owner/:repo/git/ref/*ref", (req) => {
      const repo = repoOf(req);
      const name = (req.params.ref ?? "").replace(/^(tags|heads)\//, "");
      const sha = repo?.refs[name];
      if (!sha) return notFound();
      return json(200, { ref: `refs/${req.params.ref}`, object: { type: "commit", sha } });
    });
    this.route("GET", "/repos/:owner/:repo/actions/runs", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      const sha = req.query.get("head_sha");
      const status = req.query.get("status");
      const runs = repo.runs
        .filter((r) => !sha || r.headSha === sha)
        .filter((r) => !status || (r.status ?? "completed") === status || r.conclusion === status)
        .map((r) => this.runJson(repo, r as WorkflowRunSeed & { id: number }));
      return json(200, { total_count: runs.length, workflow_runs: runs });
    });
    this.route("GET", "/repos/:owner/:repo/commits/:ref/check-runs", (req) => {
      const name = req.query.get("check_name");
      const appId = req.query.get("app_id");
      // A branch name reads the runs on its head, as GitHub does.
      const sha = this.resolveRef(repoOf(req), req.params.ref ?? null);
      const runs = this.checkRuns
        .filter(
          (r) =>
            r.owner === req.params.owner &&
            r.repo === req.params.repo &&
            r.head_sha === sha &&
            (!name || r.name === name) &&
            (!appId || String(r.app_id) === appId),
        )
        .reverse()
        .map((r) => this.checkRunJson(r));
      return json(200, { total_count: runs.length, check_runs: runs });
    });
    this.route("POST", "/repos/:owner/:repo/check-runs", (req) => {
      const b = req.body as Record<string, unknown>;
      const output = (b.output ?? {}) as CheckRunState["output"] & { annotations?: unknown[] };
      const run: CheckRunState = {
        id: this.nextId++,
        owner: req.params.owner!,
        repo: req.params.repo!,
        name: String(b.name),
        head_sha: String(b.head_sha),
        status: String(b.conclusion ? "completed" : (b.status ?? "queued")),
        conclusion: (b.conclusion as string) ?? null,
        external_id: (b.external_id as string) ?? null,
        output: { title: output.title, summary: output.summary, text: output.text },
        annotations: [...(output.annotations ?? [])],
        actions: (b.actions as unknown[]) ?? [],
        app_id: this.options.appId,
        writes: [b],
        rejectedWrites: [],
      };
      this.checkRuns.push(run);
      return json(201, this.checkRunJson(run));
    });
    this.route("PATCH", "/repos/:owner/:repo/check-runs/:id", (req) => {
      const run = this.checkRuns.find((r) => String(r.id) === req.params.id);
      if (!run) return notFound();
      const b = req.body as Record<string, unknown>;
      // GitHub freezes a completed run: its status and conclusion cannot change any more.
      if (run.status === "completed" && (b.status !== undefined || b.conclusion !== undefined)) {
        run.rejectedWrites.push(b);
        return json(422, { message: "A completed check run's status and conclusion cannot be changed" });
      }
      run.writes.push(b);
      if (b.conclusion) {
        run.status = "completed";
        run.conclusion = String(b.conclusion);
      } else if (b.status) {
        run.status = String(b.status);
        if (run.status !== "completed") run.conclusion = null;
      }
      if (b.external_id !== undefined) run.external_id = b.external_id as string;
      if (b.actions) run.actions = b.actions as unknown[];
      const output = b.output as (CheckRunState["output"] & { annotations?: unknown[] }) | undefined;
      if (output) {
        run.output = { title: output.title, summary: output.summary, text: output.text };
        run.annotations.push(...(output.annotations ?? []));
      }
      return json(200, this.checkRunJson(run));
    });
    this.route("GET", "/repos/:owner/:repo/commits/:ref/status", (req) =>
      json(200, { state: "pending", sha: req.params.ref, total_count: 0, statuses: [] }),
    );
    this.route("GET", "/repos/:owner/:repo/commits/:ref/check-suites", () =>
      json(200, { total_count: 0, check_suites: [] }),
    );
    this.route("GET", "/repos/:owner/:repo/issues/:number/comments", (req) => {
      const list = this.comments
        .filter(
          (c) =>
            c.owner === req.params.owner &&
            c.repo === req.params.repo &&
            String(c.issue) === req.params.number,
        )
        .map((c) => this.commentJson(c));
      return json(200, list);
    });
    this.route("POST", "/repos/:owner/:repo/issues/:number/comments", (req) => {
      const at = new Date().toISOString();
      const c: CommentState = {
        id: this.nextId++,
        owner: req.params.owner!,
        repo: req.params.repo!,
        issue: Number(req.params.number),
        body: String((req.body as { body?: string }).body ?? ""),
        app_id: this.options.appId,
        user: "readiness-gate[bot]",
        edits: 0,
        createdAt: at,
        updatedAt: at,
      };
      this.comments.push(c);
      return json(201, this.commentJson(c));
    });
    this.route("PATCH", "/repos/:owner/:repo/issues/comments/:id", (req) => {
      const c = this.comments.find((x) => String(x.id) === req.params.id);
      if (!c) return notFound();
      c.body = String((req.body as { body?: string }).body ?? "");
      c.edits++;
      c.updatedAt = new Date().toISOString();
      return json(200, this.commentJson(c));
    });
    this.route("POST", "/repos/:owner/:repo/issues/comments/:id/reactions", (req) => {
      const c = this.comments.find((x) => String(x.id) === req.params.id);
      if (!c) return notFound();
      const content = String((req.body as { content?: string }).content ?? "");
      const again = this.reactions.some((r) => r.commentId === c.id && r.content === content);
      if (!again) this.reactions.push({ owner: c.owner, repo: c.repo, commentId: c.id, content });
      return json(again ? 200 : 201, { id: this.nextId++, content, user: { login: "readiness-gate[bot]" } });
    });
    this.route("GET", "/repos/:owner/:repo/collaborators/:username/permission", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      const role = repo.collaborators[req.params.username ?? ""];
      // GitHub's `permission` folds maintain into write and triage into read; `role_name` keeps them.
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : (role ?? "none");
      return json(200, {
        permission,
        role_name: role ?? "none",
        user: { login: req.params.username, type: "User" },
      });
    });
    this.route("GET", "/repos/:owner/:repo/pulls", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      const state = req.query.get("state") ?? "open";
      return json(
        200,
        repo.pulls
          .filter((p) => state === "all" || (p.state ?? "open") === state)
          .map((p) => this.pullJson(repo, p)),
      );
    });
    this.route("GET", "/repos/:owner/:repo/pulls/:number", (req) => {
      const repo = repoOf(req);
      const pr = repo?.pulls.find((p) => String(p.number) === req.params.number);
      return repo && pr ? json(200, this.pullJson(repo, pr)) : notFound();
    });
    // The files a pull request changes: its base branch's files against its head's (a move is a removal
    // and an addition here; GitHub may call it `renamed` with `previous_filename`). Paged like GitHub's.
    this.route("GET", "/repos/:owner/:repo/pulls/:number/files", (req) => {
      const repo = repoOf(req);
      const pr = repo?.pulls.find((p) => String(p.number) === req.params.number);
      if (!repo || !pr) return notFound();
      const before = this.filesAt(repo, pr.base) ?? {};
      const after = repo.files[pr.headSha] ?? {};
      const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
      const removed = paths.filter((p) => after[p] === undefined);
      // An added file with the content of a removed one: GitHub shows a rename, the old path in previous_filename.
      const renamedFrom = new Map<string, string>();
      for (const p of paths)
        if (before[p] === undefined) {
          const from = removed.find((r) => before[r] === after[p] && ![...renamedFrom.values()].includes(r));
          if (from !== undefined) renamedFrom.set(p, from);
        }
      const gone = new Set(renamedFrom.values());
      const changed = paths
        .filter((p) => before[p] !== after[p] && !gone.has(p))
        .map((filename) => {
          const from = renamedFrom.get(filename);
          if (from !== undefined) return { filename, status: "renamed", previous_filename: from };
          const status =
            before[filename] === undefined ? "added" : after[filename] === undefined ? "removed" : "modified";
          return { filename, status };
        });
      const perPage = Math.min(100, Number(req.query.get("per_page") ?? 30) || 30);
      const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
      return json(200, changed.slice((page - 1) * perPage, page * perPage));
    });
    this.route("GET", "/repos/:owner/:repo/commits/:sha/pulls", (req) => {
      const repo = repoOf(req);
      if (!repo) return notFound();
      return json(
        200,
        repo.pulls.filter((p) => p.headSha === req.params.sha).map((p) => this.pullJson(repo, p)),
      );
    });
    this.route("GET", "/repos/:owner/:repo/git/commits/:sha", (req) =>
      json(200, { sha: req.params.sha, committer: { date: new Date().toISOString() } }),
    );
    this.route("GET", "/repos/:owner/:repo/actions/runs/:runId/pending_deployments", (req) => {
      const run = repoOf(req)?.runs.find((r) => String(r.id) === req.params.runId);
      if (!run) return notFound();
      return json(
        200,
        (run.pendingEnvironments ?? []).map((name, i) => ({
          environment: {
            id: 1000 + i,
            node_id: `EN_${i}`,
            name,
            url: `${this.origin}/api/v3/repos/${req.params.owner}/${req.params.repo}/environments/${name}`,
            html_url: `${this.origin}/${req.params.owner}/${req.params.repo}/deployments/activity_log?environments_filter=${name}`,
          },
          wait_timer: 0,
          wait_timer_started_at: null,
          current_user_can_approve: false,
          reviewers: [],
        })),
      );
    });
    this.route("GET", "/repos/:owner/:repo/environments/:env/deployment_protection_rules", (req) => {
      const apps = repoOf(req)?.environments[req.params.env ?? ""];
      if (!apps) return notFound();
      const rules = apps.map((id, i) => ({
        id: 3500 + i,
        node_id: `GA_${i}`,
        enabled: true,
        app: {
          id,
          slug: `app-${id}`,
          integration_url: `${this.origin}/api/v3/apps/app-${id}`,
          node_id: `A_${id}`,
        },
      }));
      return json(200, { total_count: rules.length, custom_deployment_protection_rules: rules });
    });
    this.route("POST", "/repos/:owner/:repo/actions/runs/:runId/deployment_protection_rule", (req) => {
      const b = req.body as { environment_name: string; state?: string; comment?: string };
      // A decision takes the environment off the run's waiting list, as on GitHub.
      const run = repoOf(req)?.runs.find((r) => String(r.id) === req.params.runId);
      if (run?.pendingEnvironments && b.state)
        run.pendingEnvironments = run.pendingEnvironments.filter((e) => e !== b.environment_name);
      this.gateAnswers.push({
        owner: req.params.owner!,
        repo: req.params.repo!,
        runId: Number(req.params.runId),
        ...b,
      });
      return { status: 204 };
    });
    this.route("GET", "/repos/:owner/:repo/releases/:id", (req) => {
      const release = repoOf(req)?.releases.find((r) => String(r.id) === req.params.id);
      return release
        ? json(200, {
            id: release.id,
            tag_name: release.tag,
            draft: release.draft ?? false,
            prerelease: release.prerelease ?? false,
            assets: [],
          })
        : notFound();
    });
    this.route("PATCH", "/repos/:owner/:repo/releases/:id", (req) => {
      const release = repoOf(req)?.releases.find((r) => String(r.id) === req.params.id);
      if (!release) return notFound();
      this.releasePatches.push({
        owner: req.params.owner!,
        repo: req.params.repo!,
        id: release.id,
        body: req.body,
      });
      Object.assign(release, { draft: (req.body as { draft?: boolean }).draft ?? release.draft });
      return json(200, { id: release.id, tag_name: release.tag, draft: release.draft ?? false });
    });
    this.route("GET", "/repos/:owner/:repo/issues", (req) =>
      json(
        200,
        this.issues
          .filter((i) => i.owner === req.params.owner && i.repo === req.params.repo)
          .map((i) => ({
            number: i.number,
            title: i.title,
            body: i.body,
            performed_via_github_app: { id: this.options.appId },
          })),
      ),
    );
    this.route("POST", "/repos/:owner/:repo/issues", (req) => {
      const b = req.body as { title: string; body: string };
      const issue = {
        owner: req.params.owner!,
        repo: req.params.repo!,
        number: this.nextId++,
        title: b.title,
        body: b.body,
      };
      this.issues.push(issue);
      return json(201, { number: issue.number, title: issue.title, body: issue.body });
    });
  }

  /**
   * Signing in with GitHub: the OAuth web flow of a GitHub App (authorize → code → user-to-server token) and
   * the user endpoints the dashboard reads. GET /login/oauth/authorize without `login` is a form asking who
   * signs in (what GitHub's consent page stands for); with `login` it sends the browser back with a code.
   */
  private oauthRoutes(): void {
    const page = (status: number, body: string): StandInReply => ({
      status,
      body: `<!doctype html><html><head><meta charset="utf-8"><title>GitHub stand-in</title></head><body>${body}</body></html>`,
      headers: { "content-type": "text/html; charset=utf-8" },
    });
    const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    this.route(
      "GET",
      "/login/oauth/authorize",
      (req) => {
        const oauth = this.options.oauth;
        const q = req.query;
        if (!oauth || q.get("client_id") !== oauth.clientId) return page(404, "<h1>Unknown application</h1>");
        const login = q.get("login");
        if (!login) {
          const hidden = ["client_id", "state", "redirect_uri"]
            .filter((k) => q.has(k))
            .map((k) => `<input type="hidden" name="${k}" value="${esc(q.get(k)!)}">`)
            .join("");
          return page(
            200,
            `<h1>Authorize Readiness Gate</h1><form method="get" action="/login/oauth/authorize">${hidden}<label>Sign in as <input name="login" id="login"></label> <button type="submit" id="authorize">Authorize</button></form>`,
          );
        }
        const user = this.users.get(login.toLowerCase());
        if (!user) return page(404, `<h1>No user ${esc(login)}</h1>`);
        const code = randomUUID().replace(/-/g, "").slice(0, 20);
        this.codes.set(code, { login: user.login, until: Date.now() + 600_000 });
        const back = new URL(q.get("redirect_uri") ?? oauth.callbackUrl ?? "");
        back.searchParams.set("code", code);
        if (q.has("state")) back.searchParams.set("state", q.get("state")!);
        return { status: 302, headers: { location: back.toString() } };
      },
      { open: true },
    );
    this.route(
      "POST",
      "/login/oauth/access_token",
      (req) => {
        const b = (typeof req.body === "object" && req.body ? req.body : {}) as Record<string, string>;
        const oauth = this.options.oauth;
        if (!oauth || b.client_id !== oauth.clientId || b.client_secret !== oauth.clientSecret)
          return json(200, {
            error: "incorrect_client_credentials",
            error_description: "The client_id and/or client_secret passed are incorrect.",
          });
        const grant = this.codes.get(b.code ?? "");
        this.codes.delete(b.code ?? "");
        if (!grant || grant.until < Date.now())
          return json(200, {
            error: "bad_verification_code",
            error_description: "The code passed is incorrect or expired.",
          });
        const token = `ghu_standin${randomUUID().replace(/-/g, "")}`;
        this.userTokens.set(token, grant.login);
        return json(200, { access_token: token, token_type: "bearer", scope: "", expires_in: 28_800 });
      },
      { open: true },
    );
    // The OAuth App's own credentials revoke one of its user tokens (GitHub's "Delete an app token").
    this.route(
      "DELETE",
      "/applications/:client_id/token",
      (req) => {
        const oauth = this.options.oauth;
        const basic = String(req.headers.authorization ?? "").replace(/^basic\s+/i, "");
        const [id, secret] = Buffer.from(basic, "base64").toString().split(":");
        if (
          !oauth ||
          req.params.client_id !== oauth.clientId ||
          id !== oauth.clientId ||
          secret !== oauth.clientSecret
        )
          return json(401, { message: "Requires authentication" });
        const b = (typeof req.body === "object" && req.body ? req.body : {}) as Record<string, string>;
        if (!this.userTokens.delete(b.access_token ?? "")) return json(404, { message: "Not Found" });
        return { status: 204 };
      },
      { open: true },
    );
    this.route("GET", "/user", (req) => {
      const user = this.userOf(req)!;
      return json(200, { login: user.login, id: user.id, type: "User" });
    });
    this.route("GET", "/user/installations", (req) => {
      const installations = this.userInstallations(this.userOf(req)!).map((i) => ({
        id: i.id,
        app_id: i.appId ?? this.options.appId,
        app_slug: "readiness-gate",
        target_type: "Organization",
        account: { login: i.account, type: "Organization" },
        repository_selection: "all",
      }));
      return json(200, { total_count: installations.length, installations });
    });
    this.route("GET", "/user/installations/:id/repositories", (req) => {
      const installation = this.userInstallations(this.userOf(req)!).find(
        (i) => String(i.id) === req.params.id,
      );
      if (!installation) return notFound();
      const perPage = Math.min(100, Number(req.query.get("per_page") ?? 30) || 30);
      const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
      const repositories = installation.repos.slice((page - 1) * perPage, page * perPage).map((r) => ({
        id: r.id,
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        owner: { login: r.owner },
        private: true,
        default_branch: r.defaultBranch,
      }));
      return json(200, { total_count: installation.repos.length, repositories });
    });
    // A check run's page on GitHub, where the dashboard's timeline links.
    this.route(
      "GET",
      "/:owner/:repo/runs/:id",
      (req) => {
        const run = this.checkRuns.find((r) => String(r.id) === req.params.id);
        const name = run?.name ?? `check run ${req.params.id}`;
        return page(
          200,
          `<h1 id="check-run">${esc(name)}</h1><p>${esc(`${req.params.owner}/${req.params.repo}`)} · run ${esc(req.params.id ?? "")}</p>`,
        );
      },
      { open: true },
    );
  }

  private runJson(repo: NonNullable<ReturnType<GitHubStandIn["repo"]>>, r: WorkflowRunSeed & { id: number }) {
    return {
      id: r.id,
      name: r.name,
      path: r.path,
      head_sha: r.headSha,
      head_branch: r.branch ?? null,
      event: r.event ?? "push",
      status: r.status ?? "completed",
      conclusion: r.conclusion === undefined ? "success" : r.conclusion,
      created_at: r.createdAt ?? new Date().toISOString(),
      updated_at: r.createdAt ?? new Date().toISOString(),
      run_started_at: r.createdAt ?? new Date().toISOString(),
      html_url: `${this.origin}/${repo.owner}/${repo.name}/actions/runs/${r.id}`,
      pull_requests: [],
    };
  }

  private checkRunJson(r: CheckRunState) {
    return {
      id: r.id,
      name: r.name,
      head_sha: r.head_sha,
      status: r.status,
      conclusion: r.conclusion,
      external_id: r.external_id,
      html_url: this.checkRunUrl(r),
      output: {
        title: r.output.title ?? null,
        summary: r.output.summary ?? null,
        annotations_count: r.annotations.length,
      },
      app: { id: r.app_id, slug: "readiness-gate" },
    };
  }

  private commentJson(c: CommentState) {
    // Stable across reads: a comment whose two times differ reads as edited, and the ledger ignores it.
    c.createdAt ??= new Date().toISOString();
    c.updatedAt ??= c.createdAt;
    return {
      id: c.id,
      body: c.body,
      user: { login: c.user, type: c.app_id ? "Bot" : "User" },
      performed_via_github_app: c.app_id ? { id: c.app_id } : null,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      html_url: `${this.origin}/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    };
  }
}

/** The git blob id of a text, as GitHub's trees report it. */
function blobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
