// The Dockerfile as an operator relies on it: a base pinned by digest on the Node major CI tests, one `npm ci`,
// OCI labels, and a HEALTHCHECK that starts no Node process, run here as Docker would against the built server.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfNeeded, freePort, ROOT, type Spawned, spawnBuiltServer } from "../support/build.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS } from "../support/payloads.js";

const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const ci = readFileSync(join(ROOT, ".github", "workflows", "ci.yml"), "utf8");
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => l.trim() && !l.trimStart().startsWith("#"));

function healthcheck(): string[] {
  const line = instructions.find((l) => l.startsWith("HEALTHCHECK"))!;
  return JSON.parse(line.slice(line.indexOf("CMD") + 3).trim()) as string[];
}

function probe(port: number): Promise<number> {
  const [cmd, ...args] = healthcheck();
  return new Promise((resolve) => {
    execFile(cmd!, args, { env: { PATH: process.env.PATH, PORT: String(port) }, timeout: 5_000 }, (error) =>
      resolve(error ? Number((error as { code?: number }).code ?? 1) : 0),
    );
  });
}

describe("Dockerfile", () => {
  it("the base is node:<the first Node major CI tests>-bookworm-slim, pinned by digest", () => {
    const major = /node:\s*\[(\d+)/.exec(ci)?.[1];
    expect(major).toBe("20");
    const digest = /^ARG NODE_DIGEST=(sha256:[0-9a-f]{64})$/m.exec(dockerfile)?.[1];
    expect(digest).toBeDefined();
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${major}-bookworm-slim@\\$\\{NODE_DIGEST\\}$`, "m"),
    );
    const froms = instructions.filter((l) => l.startsWith("FROM"));
    expect(froms.length).toBeGreaterThan(1);
    for (const from of froms) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  it("installs once, and labels the image", () => {
    expect(instructions.join("\n").match(/\bnpm ci\b/g)).toHaveLength(1);
    const labels = instructions.find((l) => l.startsWith("LABEL"))!;
    for (const key of ["title", "description", "licenses", "version", "revision", "base.name", "base.digest"])
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
  });

  it("the HEALTHCHECK starts no Node process", () => {
    expect(healthcheck()[0]).toBe("bash");
    expect(healthcheck().join(" ")).not.toMatch(/\bnode\b/);
  });

  describe("the HEALTHCHECK against the built server", () => {
    let gh: GitHubStandIn;
    let server: Spawned;
    beforeAll(async () => {
      buildIfNeeded();
      gh = await new GitHubStandIn({ appId: 4242, publicKey: APP_KEYS.publicKey }).start();
      server = await spawnBuiltServer({
        gh,
        secret: "dockerfile-test",
        appId: 4242,
        privateKey: APP_KEYS.privateKey,
      });
    }, 240_000);
    afterAll(async () => {
      await server?.kill();
      await gh?.stop();
    });

    it("passes while the server answers /healthz, fails when nothing listens", async () => {
      expect(await probe(server.port)).toBe(0);
      expect(await probe(await freePort())).not.toBe(0);
    });
  });
});
