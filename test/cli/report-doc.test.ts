// docs/report-format.md is the JSON contract: its example must be what the CLI really prints, and every field
// the CLI prints must be documented.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { JsonReportSchema } from "../report/json-contract.js";
import { cleanup, cli, repo } from "./helpers.js";

afterAll(cleanup);

const doc = readFileSync(new URL("../../docs/report-format.md", import.meta.url), "utf8");
const block = (lang: string): string => {
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(doc.slice(doc.indexOf("## Example")));
  if (!m) throw new Error(`no ${lang} block in the example`);
  return m[1]!;
};

/** Every key at every depth of a JSON value. */
function keys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keys(v, out);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keys(v, out);
    }
  return out;
}

describe("docs/report-format.md", () => {
  it("shows what the CLI prints for the documented policy", async () => {
    const dir = repo(
      {
        ".readiness.yml": block("yaml"),
        "README.md":
          "# Demo service\n\n## Quickstart\n\nRun `npm start`, then open http://localhost:3000. The service answers health checks on /healthz.\n",
        "docs/runbook.md": "# Runbook\n\n## Rollback\n\nRedeploy the previous tag.\n",
      },
      "2025-01-15T09:00:00Z",
    );
    const r = await cli(["check", "--format", "json", "--now", "2025-03-10"], { cwd: dir });
    expect(r.code).toBe(1);
    const real = JSON.parse(r.stdout);
    const documented = JSON.parse(block("json"));
    expect(JsonReportSchema.parse(documented)).toEqual(documented);
    // The commit hash depends on who committed; everything else must match.
    expect({ ...real, target: { ...real.target, sha: "…" } }).toEqual({
      ...documented,
      target: { ...documented.target, sha: "…" },
    });
  });

  it("documents every field the CLI prints", () => {
    const documented = JSON.parse(block("json"));
    for (const key of keys(documented)) expect(doc, key).toContain(`| \`${key}\` |`);
  });
});
