// Operators find mistakes at start-up, in one line: the built server proves its credentials against the GitHub
// stand-in (GET /app as the App) and /readyz fails until it can; its JSON log lines have one `name`, quiet
// probes, allow-listed headers, and a bad webhook signature is one line naming WEBHOOK_SECRET.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildIfNeeded,
  freePort,
  type Spawned,
  sendWebhook,
  spawnBuiltServer,
  until,
} from "../support/build.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS } from "../support/payloads.js";

const APP_ID = 4242;
const SECRET = `startup-${randomUUID()}`;

/** Top-level keys of one JSON object line, duplicates kept (JSON.parse would drop them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (depth === 1 && line[j + 1] === ":") keys.push(line.slice(i + 1, j));
      i = j;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return keys;
}

type Line = Record<string, unknown> & { level: number; msg: string };
const lines = (s: Spawned): Line[] =>
  s
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);
/** Lines at info and above (pino levels: 30 info, 40 warn, 50 error). */
const loud = (s: Spawned) => lines(s).filter((l) => l.level >= 30);
const readyz = async (s: Spawned) => (await fetch(`${s.url}/readyz`)).status;

describe("start-up: the App proves its credentials and its GitHub host", () => {
  let gh: GitHubStandIn;
  const servers: Spawned[] = [];
  const spawn = async (opts: { appId?: number; privateKey?: string; env?: Record<string, string> } = {}) => {
    const s = await spawnBuiltServer({
      gh,
      secret: SECRET,
      appId: opts.appId ?? APP_ID,
      privateKey: opts.privateKey ?? APP_KEYS.privateKey,
      env: opts.env ?? {},
    });
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({ appId: APP_ID, publicKey: APP_KEYS.publicKey }).start();
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await gh?.stop();
  });

  it("good credentials: /readyz 200 after one GET /app as the App, said in one line", async () => {
    const before = gh.count("GET /app");
    const s = await spawn();
    expect(await readyz(s)).toBe(200);
    expect(gh.count("GET /app") - before).toBe(1);
    const said = loud(s).filter((l) => /credentials/.test(l.msg));
    expect(said.map((l) => l.msg)).toEqual(["GitHub accepts the App's credentials"]);
    expect(said[0]).toMatchObject({ app: "readiness-gate", appId: APP_ID });
  });

  it("a private key of another App: /readyz 503 and one line naming APP_ID and PRIVATE_KEY", async () => {
    const other = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const s = await spawn({ privateKey: other.privateKey });
    expect(await readyz(s)).toBe(503);
    expect(await (await fetch(`${s.url}/healthz`)).text()).toBe("ok\n");
    const errors = loud(s).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(
      /^GitHub rejected the App's credentials \(401 A JSON web token could not be decoded\): check APP_ID \(4242\) and PRIVATE_KEY;/,
    );
    expect(errors[0]).toMatchObject({ setting: "APP_ID, PRIVATE_KEY" });
    expect(errors[0]).not.toHaveProperty("err");
    expect(s.output()).not.toContain("    at ");
  });

  it("a wrong APP_ID: /readyz 503 and one line naming APP_ID", async () => {
    const s = await spawn({ appId: 999 });
    expect(await readyz(s)).toBe(503);
    const errors = loud(s).filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual([expect.stringMatching(/check APP_ID \(999\) and PRIVATE_KEY/)]);
  });

  it("an unreachable host: /readyz 503 and one line naming GITHUB_API_URL", async () => {
    const closed = await freePort();
    const s = await spawn({ env: { GITHUB_API_URL: `http://127.0.0.1:${closed}/api/v3` } });
    expect(await readyz(s)).toBe(503);
    const errors = loud(s).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(
      new RegExp(
        `^cannot reach GitHub at http://127\\.0\\.0\\.1:${closed}/api/v3 \\(.*ECONNREFUSED.*\\); check GITHUB_API_URL`,
      ),
    );
    expect(errors[0]).toMatchObject({ setting: "GITHUB_API_URL" });
  });

  it("a URL that is not the API (no /api/v3): one line naming GITHUB_API_URL", async () => {
    const s = await spawn({ env: { GITHUB_API_URL: `${gh.origin}/github` } });
    expect(await readyz(s)).toBe(503);
    const errors = loud(s).filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual([
      expect.stringMatching(/is not GitHub's API \(HTTP 404 .*\): check GITHUB_API_URL; .*\/api\/v3$/),
    ]);
  });

  it("a transient outage heals /readyz: retried with backoff, one line for the problem and one when healed", async () => {
    let refused = 0;
    const outage = (req: { method: string; path: string }) => {
      if (req.method !== "GET" || req.path !== "/app" || refused >= 2) return undefined;
      refused++;
      return { status: 503, body: { message: "Service Unavailable" } };
    };
    gh.use(outage);
    const s = await spawn();
    expect(await readyz(s)).toBe(503);
    await until("/readyz to heal", () => refused >= 2 && /again: ready/.test(s.output()), 15_000);
    expect(await readyz(s)).toBe(200);
    const said = loud(s).filter((l) => /GitHub/.test(l.msg) && l.msg !== "readiness gate ready");
    expect(said.map((l) => [l.level, l.msg])).toEqual([
      [50, expect.stringMatching(/^GitHub at .* answered 503 Service Unavailable; retrying$/)],
      [30, "GitHub accepts the App's credentials again: ready"],
    ]);
  }, 30_000);

  it("GHE_HOST and GHE_PROTOCOL still work, with one deprecation line naming GITHUB_API_URL", async () => {
    const s = await spawn({ env: { GITHUB_API_URL: "", GHE_HOST: gh.host, GHE_PROTOCOL: "http" } });
    expect(await readyz(s)).toBe(200);
    const warnings = loud(s).filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      `GHE_HOST and GHE_PROTOCOL are deprecated: set GITHUB_API_URL=http://${gh.host}/api/v3 instead`,
    ]);
  });
});

describe("server logs: one name, quiet probes, allow-listed headers, one line for a bad signature", () => {
  let gh: GitHubStandIn;
  let s: Spawned;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({ appId: APP_ID, publicKey: APP_KEYS.publicKey }).start();
    s = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey: APP_KEYS.privateKey });
  }, 240_000);

  afterAll(async () => {
    await s?.kill();
    await gh?.stop();
  });

  it("probes are logged at debug only; other requests at info with allow-listed headers, no query", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics", "/ping"]) await fetch(`${s.url}${path}`);
    const hidden = `hidden-${randomUUID()}`;
    const res = await fetch(`${s.url}/nowhere?token=${hidden}`, {
      headers: { "user-agent": "probe-test", "x-api-key": hidden, cookie: `session=${hidden}` },
    });
    expect(res.status).toBe(404);
    const access = await until("the access line", () =>
      loud(s).find((l) => typeof l.msg === "string" && l.msg.startsWith("GET /nowhere")),
    );
    expect(loud(s).filter((l) => /^(GET|HEAD) \/(healthz|readyz|metrics|ping)/.test(l.msg))).toEqual([]);
    expect(access.req).toEqual({
      id: expect.any(String),
      method: "GET",
      url: "/nowhere",
      headers: { "user-agent": "probe-test" },
    });
    expect(s.output()).not.toContain(hidden);
  });

  it("every line has exactly one `name`, and the component a child logger named", async () => {
    await fetch(`${s.url}/elsewhere`);
    await until("the access line", () => s.output().includes("GET /elsewhere"));
    const raw = s
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    expect(raw.length).toBeGreaterThan(3);
    for (const line of raw) {
      const keys = topLevelKeys(line);
      expect(
        keys.filter((k) => k === "name"),
        line,
      ).toEqual(["name"]);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
    const access = lines(s).find((l) => l.msg.startsWith("GET /elsewhere"))!;
    expect(access).toMatchObject({ name: "readiness-gate", component: "http" });
  });

  it("a webhook whose signature does not verify: one line, naming WEBHOOK_SECRET, without a stack", async () => {
    const delivery = randomUUID();
    const before = s.output().length;
    const res = await sendWebhook(
      s.url,
      "not-the-secret",
      "ping",
      { zen: "x" },
      {
        "x-github-delivery": delivery,
      },
    );
    expect(res.status).toBe(400);
    await until("the refusal line", () => s.output().slice(before).includes(delivery));
    await new Promise((r) => setTimeout(r, 200));
    const after = s
      .output()
      .slice(before)
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.level >= 30);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ level: 40, status: 400, deliveryId: delivery });
    expect(after[0]!.msg).toMatch(/^webhook refused: X-Hub-Signature-256 does not match .*WEBHOOK_SECRET/);
    expect(JSON.stringify(after[0])).not.toMatch(/stack| {4}at /);
  });
});
