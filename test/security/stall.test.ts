// Item 5 of the trust issue, end to end: nobody can stall the server. The built server against the GitHub
// stand-in, attacked the ways that stalled it before: a glob that makes a backtracking engine run for ever
// (in a branch policy and in a file check), a policy glob RE2 cannot take, a zip artifact whose headers lie,
// concurrent big bodies without (or with a forged) signature, and a signed body replayed under a new
// delivery id. Throughout, /healthz is probed every 100 ms and must answer within 1 s; each attack's
// user-visible outcome is asserted on what the App wrote to GitHub.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APP_ID,
  buildIfNeeded,
  INSTALLATION,
  KEYS,
  pullRequestPayload,
  type Spawned,
  sendWebhook,
  sleep,
  spawnServer,
  until,
} from "../reliability/support.js";
import { type CheckRunState, GitHubStandIn } from "../support/github-stand-in.js";
import { lyingZip } from "../support/lying-zip.js";

const SECRET = `stall-${randomUUID()}`;
const REPO = { owner: "octo", name: "stall", id: 91 };
const MiB = 1024 * 1024;
/** The glob: twelve wildcards, no match on a branch of a's. picomatch's RegExp backtracked for > 60 s. */
const HOSTILE = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
const LONG_A = "a".repeat(200);
const INFLIGHT_MB = 40;

const sha = (n: number) => String(n).repeat(40).slice(0, 40);
const README = { "README.md": "# stall\n" };

const policy = (applies: string, checks: string) => `version: 1
applies:
${applies}
checks:
${checks}
`;

const README_CHECK = `  readme:
    required: true
    file: { path: README.md }`;

/** A branch named with 200 a's, whose own policy gates it through the hostile glob (and a plain one). */
const HOSTILE_BRANCH_POLICY = policy(
  `  pullRequests:
    branches: ["${HOSTILE}", "aaaa*"]`,
  README_CHECK,
);
/** `!(...)` needs a lookahead RE2 does not have: refused with the line and column. */
const REFUSED_GLOB_POLICY = policy(
  `  pullRequests:
    branches: ["!(main)"]`,
  README_CHECK,
);
const HOSTILE_FILE_POLICY = policy(
  `  pullRequests:
    branches: ["release/**"]`,
  `${README_CHECK}
  hostile:
    required: true
    file: { path: "**/${HOSTILE}" }`,
);
const ARTIFACT_POLICY = policy(
  `  pullRequests:
    branches: ["release/**"]`,
  `  coverage:
    required: true
    artifact:
      workflow: ci.yml
      name: coverage
      json: { file: coverage.json, path: total, atLeast: 80 }`,
);

/** Resident and peak memory of a process, in kB, from /proc (Linux). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** Probes /healthz every 100 ms; `window()` gives the slowest answer (ms) since the last call, or Infinity. */
function healthWatch(url: string) {
  let slowest = 0;
  let failures: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        await res.text();
        if (res.status !== 200) failures.push(`status ${res.status}`);
      } catch (e) {
        failures.push(String(e));
      }
      slowest = Math.max(slowest, performance.now() - started);
      await sleep(100);
    }
  })();
  return {
    window(): { slowest: number; failures: string[] } {
      const w = { slowest, failures };
      slowest = 0;
      failures = [];
      return w;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * POSTs `bytes` of body over a raw socket with a Content-Length, stopping once the server answers; how many
 * bytes went out by then says whether the server waited for the body.
 */
function rawPost(
  port: number,
  headers: Record<string, string>,
  bytes: number,
): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    let status = 0;
    let broken = false;
    const chunk = Buffer.alloc(256 * 1024, "a");
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(answer);
      if (m && !status && m[2]) {
        status = Number(m[1]);
        resolve({ status, sent, body: m[2] });
        socket.destroy();
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      // The server may answer and close while we still write: the answer is still there to read.
      if (e.code === "EPIPE" || e.code === "ECONNRESET") broken = true;
      else if (!status) reject(e);
    });
    socket.on("close", () => {
      // The answer may have come before the server closed (its body perhaps cut by the reset).
      const m = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(answer);
      if (!status && m) resolve({ status: Number(m[1]), sent, body: m[2] ?? "" });
      else if (!status) reject(new Error(`closed without an answer after ${sent} bytes`));
    });
    socket.on("connect", async () => {
      const head = [
        "POST /api/github/webhooks HTTP/1.1",
        "Host: 127.0.0.1",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        `Content-Length: ${bytes}`,
        "",
        "",
      ].join("\r\n");
      socket.write(head);
      while (sent < bytes && !status && !broken && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!socket.write(piece)) await new Promise((r) => socket.once("drain", r));
        await new Promise((r) => setTimeout(r, 1));
      }
    });
  });
}

describe("nobody can stall the server", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  let health: ReturnType<typeof healthWatch>;
  const zip = lyingZip("coverage.json", 64 * MiB, 17);

  const openPr = (number: number, base: string, headSha: string) =>
    sendWebhook(
      server.url,
      SECRET,
      "pull_request",
      pullRequestPayload(REPO, { number, base, headSha }, "opened"),
    );

  const completed = (headSha: string): Promise<CheckRunState> =>
    until(
      `a completed check run on ${headSha.slice(0, 7)}`,
      () => gh.checkRuns.find((r) => r.head_sha === headSha && r.status === "completed"),
      30_000,
    );

  const text = (run: CheckRunState) => `${run.output.title}\n${run.output.summary}\n${run.output.text ?? ""}`;

  function healthy(what: string): void {
    const w = health.window();
    console.log(`stall: ${what}: slowest /healthz ${w.slowest.toFixed(0)} ms`);
    expect(w.failures, `${what}: /healthz failures`).toEqual([]);
    expect(w.slowest, `${what}: slowest /healthz (ms)`).toBeLessThan(1_000);
  }

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: REPO.owner }],
    }).start();
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": HOSTILE_FILE_POLICY },
        [LONG_A]: { ".readiness.yml": HOSTILE_BRANCH_POLICY },
        "refused-glob": { ".readiness.yml": REFUSED_GLOB_POLICY },
        "release/file": { ".readiness.yml": HOSTILE_FILE_POLICY },
        "release/artifact": { ".readiness.yml": ARTIFACT_POLICY },
        "release/replay": { ".readiness.yml": HOSTILE_FILE_POLICY },
        [sha(1)]: { ...README },
        [sha(2)]: { ...README },
        // 200 a's deep in a directory of a's: every path is a candidate for the `**/` glob.
        [sha(3)]: { ...README, [`${LONG_A}/${LONG_A}`]: "x\n", [`docs/${LONG_A}.md`]: "x\n" },
        [sha(4)]: { ...README },
        [sha(5)]: { ...README },
      },
      pulls: [
        { number: 1, base: LONG_A, head: "topic-1", headSha: sha(1) },
        { number: 2, base: "refused-glob", head: "topic-2", headSha: sha(2) },
        { number: 3, base: "release/file", head: "topic-3", headSha: sha(3) },
        { number: 4, base: "release/artifact", head: "topic-4", headSha: sha(4) },
        { number: 5, base: "release/replay", head: "topic-5", headSha: sha(5) },
      ],
      runs: [{ id: 501, name: "CI", path: ".github/workflows/ci.yml", headSha: sha(4) }],
    });
    const artifact = {
      id: 7001,
      name: "coverage",
      size_in_bytes: zip.byteLength,
      expired: false,
      created_at: new Date().toISOString(),
      workflow_run: { id: 501 },
    };
    gh.route("GET", "/repos/:owner/:repo/actions/artifacts", () => ({
      status: 200,
      body: { total_count: 1, artifacts: [artifact] },
    }));
    gh.route("GET", "/repos/:owner/:repo/actions/runs/:id/artifacts", () => ({
      status: 200,
      body: { total_count: 1, artifacts: [artifact] },
    }));
    gh.route("GET", "/repos/:owner/:repo/actions/artifacts/:id/zip", () => ({ status: 200, body: zip }));
    server = await spawnServer(gh, SECRET, { WEBHOOK_MAX_INFLIGHT_MB: String(INFLIGHT_MB) });
    health = healthWatch(server.url);
  }, 240_000);

  afterAll(async () => {
    await health?.stop();
    await server?.kill();
    await gh?.stop();
  });

  it("a hostile glob in a branch's policy is matched in linear time: the PR gets its verdict", async () => {
    expect((await openPr(1, LONG_A, sha(1))).status).toBe(200);
    const run = await completed(sha(1));
    // The branch is gated (by "aaaa*", after the hostile glob was tried and did not match) and README is there.
    expect(run.conclusion).toBe("success");
    expect(run.output.title).toMatch(/^GO/);
    healthy("hostile branch glob");
  });

  it("a glob RE2 cannot take is refused as a policy error with file:line:column", async () => {
    expect((await openPr(2, "refused-glob", sha(2))).status).toBe(200);
    const run = await completed(sha(2));
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toMatch(/^Invalid policy/);
    expect(run.output.summary).toMatch(/\.readiness\.yml:4:\d+/);
    expect(run.output.summary).toContain("applies.pullRequests.branches[0]");
    expect(run.output.summary).toContain('"!(…)" is not supported');
    healthy("refused glob");
  });

  it("a hostile glob in a file check is matched in linear time: the check fails, saying no file matches", async () => {
    expect((await openPr(3, "release/file", sha(3))).status).toBe(200);
    const run = await completed(sha(3));
    expect(run.conclusion).toBe("failure");
    // Markdown escapes the asterisks.
    expect(text(run).replaceAll("\\", "")).toContain(`no file matches **/${HOSTILE}`);
    healthy("hostile file glob");
  });

  it("a zip artifact that lies about its size is cut off at the bound: the check cannot pass and says why", async () => {
    expect((await openPr(4, "release/artifact", sha(4))).status).toBe(200);
    const run = await completed(sha(4));
    expect(gh.requests.some((r) => r.path.endsWith("/actions/artifacts/7001/zip"))).toBe(true);
    expect(run.conclusion).toBe("failure");
    expect(text(run)).toContain(
      "coverage.json inflates to more than 1.0 MiB, though its zip header says less",
    );
    healthy("lying zip artifact");
  });

  it("concurrent big bodies without a signature are refused unread; forged ones are capped in flight", async () => {
    const pid = server.child.pid!;
    const before = memory(pid);
    // The earlier tests' last writes (a sticky comment goes a paced write after its run) settle first.
    for (let seen = -1, t0 = Date.now(); seen !== gh.requests.length && Date.now() - t0 < 15_000; ) {
      seen = gh.requests.length;
      await sleep(1_500);
    }
    const requests = gh.requests.length;
    const headers = (signature?: string) => ({
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": randomUUID(),
      ...(signature ? { "x-hub-signature-256": signature } : {}),
    });
    const unsigned = await Promise.all(
      Array.from({ length: 6 }, () => rawPost(server.port, headers(), 25 * MiB)),
    );
    for (const r of unsigned) {
      expect(r.status).toBe(400);
      expect(r.body).toContain("the body was not read");
      // Answered on the headers: far less than the body went out before the answer came.
      expect(r.sent).toBeLessThan(8 * MiB);
    }
    const afterUnsigned = memory(pid);

    // Well-formed but forged signatures: each body is read (and its HMAC computed as it streams), but never
    // more than WEBHOOK_MAX_INFLIGHT_MB at once: the rest are answered 503 on their Content-Length.
    const forged = await Promise.all(
      Array.from({ length: 6 }, () => rawPost(server.port, headers(`sha256=${"0".repeat(64)}`), 15 * MiB)),
    );
    const statuses = forged.map((r) => r.status).sort();
    expect(statuses).toContain(503);
    expect(statuses.every((s) => s === 400 || s === 503)).toBe(true);
    await sleep(200);
    const after = memory(pid);
    console.log(
      `stall: 6 × 25 MiB unsigned → ${unsigned.map((r) => r.status).join(",")}, sent ${unsigned.map((r) => (r.sent / MiB).toFixed(1)).join("/")} MiB; peak RSS +${Math.round((afterUnsigned.peak - before.peak) / 1024)} MiB`,
    );
    console.log(
      `stall: 6 × 15 MiB forged → ${statuses.join(",")}; peak RSS ${Math.round(before.peak / 1024)} → ${Math.round(after.peak / 1024)} MiB (cap ${INFLIGHT_MB} MiB in flight)`,
    );
    // Unsigned: nothing held. Forged: bounded by the cap (the body's chunks), far from 6 × 15 MiB.
    expect(afterUnsigned.peak - before.peak).toBeLessThan(16 * 1024);
    expect(after.peak - before.peak).toBeLessThan((INFLIGHT_MB + 24) * 1024);
    expect(gh.requests.length).toBe(requests);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/readiness_webhooks_refused_total\{status="400"\} (\d+)/);
    expect(metrics).toMatch(/readiness_webhooks_refused_total\{status="503"\} \d+/);
    healthy("big bodies");
  });

  it("a signed body replayed with a new delivery id is processed once", async () => {
    const body = JSON.stringify(
      pullRequestPayload(REPO, { number: 5, base: "release/replay", headSha: sha(5) }, "opened"),
    );
    const signature = await sign(SECRET, body);
    const first = await sendWebhook(server.url, SECRET, "pull_request", body);
    expect(first.status).toBe(200);
    await completed(sha(5));
    const evaluations = () =>
      server
        .output()
        .split("\n")
        .filter((l) => l.includes('"pull request evaluated"') && l.includes('"pr":5')).length;
    const runs = () => gh.checkRuns.filter((r) => r.head_sha === sha(5));
    await until("the evaluation's log line", () => evaluations() === 1);
    const writes = runs()[0]!.writes.length;

    const replay = await sendWebhook(server.url, SECRET, "pull_request", body, {
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature,
    });
    expect(replay.status).toBe(200);
    expect(await replay.text()).toContain("already delivered");
    await sleep(1_500);
    expect(evaluations()).toBe(1);
    expect(runs()).toHaveLength(1);
    expect(runs()[0]!.writes.length).toBe(writes);
    expect(server.output()).toContain("replayed body ignored");
    healthy("replayed body");
  });
});
