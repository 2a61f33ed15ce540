// Built servers (`node dist/app/main.js`) as replicas: N processes on one store (a PostgreSQL schema, or an
// embedded data directory for one server) against one GitHub stand-in, signed webhooks sent to a replica chosen
// at random (as a load balancer without affinity would), their /metrics and logs read, one killed or
// restarted, all stopped. Set-up written once for every multi-process store test.
import { randomUUID } from "node:crypto";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer } from "./build.js";
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from "./database.js";
import { GitHubStandIn } from "./github-stand-in.js";
import { APP_KEYS } from "./payloads.js";

export const REPLICA_APP_ID = 4242;

/** The policy most multi-process tests gate release PRs with: a README is required, nothing else. */
export const README_POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
`;

/** A started stand-in that knows the App's key and these installations. */
export function replicaStandIn(installations: { id: number; account: string }[]): Promise<GitHubStandIn> {
  return new GitHubStandIn({ appId: REPLICA_APP_ID, publicKey: APP_KEYS.publicKey, installations }).start();
}

export interface ReplicaOptions {
  count: number;
  gh: GitHubStandIn;
  /** "postgres" (default): one fresh schema of TEST_DATABASE_URL shared by all; or a data directory (one server). */
  store?: "postgres" | { dataDir: string };
  /** More settings for every replica (JOB_LEASE_SECONDS, QUEUE_CONCURRENCY, …). */
  env?: Record<string, string>;
}

export class Replicas {
  readonly secret = `replicas-${randomUUID()}`;
  readonly schema = uniqueSchema("replicas");
  /** Slot i: the server running there now, null while it is killed. */
  readonly servers: (Spawned | null)[] = [];
  /** Every server ever started here, killed ones too: their logs stay readable. */
  readonly started: Spawned[] = [];
  readonly env: Record<string, string>;

  private constructor(
    readonly gh: GitHubStandIn,
    private readonly o: ReplicaOptions,
  ) {
    const store: Record<string, string> =
      o.store === undefined || o.store === "postgres"
        ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: this.schema }
        : { DATA_DIR: o.store.dataDir };
    this.env = { ...store, ...o.env };
  }

  /** Builds if needed and starts `count` servers at once (migrations and queue set-up run under locks). */
  static async start(o: ReplicaOptions): Promise<Replicas> {
    buildIfNeeded();
    const r = new Replicas(o.gh, o);
    const spawned = await Promise.all(Array.from({ length: o.count }, () => r.spawn()));
    r.servers.push(...spawned);
    return r;
  }

  private async spawn(): Promise<Spawned> {
    const s = await spawnBuiltServer({
      gh: this.gh,
      secret: this.secret,
      appId: REPLICA_APP_ID,
      privateKey: APP_KEYS.privateKey,
      env: this.env,
    });
    this.started.push(s);
    return s;
  }

  alive(): Spawned[] {
    return this.servers.filter((s): s is Spawned => s !== null);
  }

  random(): Spawned {
    const alive = this.alive();
    if (alive.length === 0) throw new Error("no replica is running");
    return alive[Math.floor(Math.random() * alive.length)]!;
  }

  /**
   * Sends one signed delivery to `to` (a random replica by default). A refused connection or a 503 is sent
   * again, with the same delivery id as GitHub's redelivery would, to another replica: what a load balancer
   * in front of a replica that just died does. Returns the last status (0: no replica answered).
   */
  async send(event: string, payload: unknown, to?: Spawned): Promise<number> {
    const delivery = randomUUID();
    let target = to ?? this.random();
    let status = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      status = await sendWebhook(target.url, this.secret, event, payload, {
        "x-github-delivery": delivery,
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 0 && status !== 503) return status;
      await new Promise((r) => setTimeout(r, 200));
      target = this.random();
    }
    return status;
  }

  /** Sum of a metric (all its label sets whose text includes `having`) over the running replicas. */
  async metric(name: string, having = ""): Promise<number> {
    let n = 0;
    for (const s of this.alive()) {
      const text = await fetch(`${s.url}/metrics`).then(
        (r) => r.text(),
        () => "",
      );
      for (const line of text.split("\n"))
        if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(having))
          n += Number(line.split(" ").at(-1));
    }
    return n;
  }

  /** Log lines (parsed JSON) of every server started here, killed ones included, whose msg is `msg`. */
  logged(msg: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const s of this.started)
      for (const line of s.output().split("\n")) {
        if (!line.includes(`"msg":"${msg}"`)) continue;
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a line cut by SIGKILL
        }
      }
    return out;
  }

  /** SIGKILL on slot i; resolves once it exited. */
  async kill(i: number): Promise<Spawned> {
    const s = this.servers[i];
    if (!s) throw new Error(`replica ${i} is not running`);
    this.servers[i] = null;
    await s.kill();
    return s;
  }

  /** Starts slot i again (killing what runs there first) with the same settings and store. */
  async restart(i: number): Promise<Spawned> {
    if (this.servers[i]) await this.kill(i);
    const s = await this.spawn();
    this.servers[i] = s;
    return s;
  }

  /** Kills every server and drops the schemas (the store's and pg-boss's). */
  async stop(): Promise<void> {
    await Promise.all(this.started.map((s) => s.kill()));
    this.servers.fill(null);
    if (this.o.store === undefined || this.o.store === "postgres") {
      await dropSchema(this.schema);
      await dropSchema(`${this.schema}_boss`);
    }
  }
}
