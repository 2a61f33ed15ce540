// The built server refuses to start a dashboard it cannot run safely: one line on stderr, exit code 1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfNeeded, spawnBuiltServer } from "../../support/build.js";
import { DASHBOARD_APP_ID, OAUTH, SESSION_SECRET } from "../../support/dashboard.js";
import { APP_KEYS } from "../../support/payloads.js";

const dataDir = mkdtempSync(join(tmpdir(), "readiness-dashboard-start-"));
beforeAll(() => buildIfNeeded());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = (env: Record<string, string>) =>
  spawnBuiltServer({
    gh: { host: "127.0.0.1:9" },
    secret: "dashboard-start",
    appId: DASHBOARD_APP_ID,
    privateKey: APP_KEYS.privateKey,
    env: { GITHUB_CLIENT_ID: OAUTH.clientId, GITHUB_CLIENT_SECRET: OAUTH.clientSecret, ...env },
  });

describe("starting the server with the dashboard on", () => {
  it("refuses without SESSION_SECRET in production", async () => {
    await expect(start({ DATA_DIR: dataDir })).rejects.toThrow(
      /cannot start: SESSION_SECRET is not set: the dashboard's sessions cannot be signed/,
    );
  });

  it("refuses an API token too short to be one, without showing it", async () => {
    const started = start({ DATA_DIR: dataDir, SESSION_SECRET, DASHBOARD_API_TOKENS: "1:tooshort" });
    await expect(started).rejects.toThrow(/DASHBOARD_API_TOKENS entry 1 must be INSTALLATION_ID:TOKEN/);
    await expect(started).rejects.not.toThrow(/tooshort/);
  });

  it("refuses without a store to read the history from", async () => {
    await expect(start({ SESSION_SECRET })).rejects.toThrow(
      /the dashboard \(GITHUB_CLIENT_ID\) shows the verdict history, which needs a store: set DATABASE_URL or DATA_DIR/,
    );
  });
});
