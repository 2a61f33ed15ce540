import { mkdirSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FileIndex } from "../../../src/evidence/file-index.js";
import { lastChanges } from "../../../src/evidence/local/history.js";
import { LocalEvidence, localTarget } from "../../../src/evidence/local/provider.js";
import {
  type Fact,
  MAX_CONTENT_BYTES,
  type Need,
  needKey,
  type Target,
} from "../../../src/evidence/types.js";
import { cleanup, commit, git, initRepo, tempDir, write } from "./repo.js";

const LOCAL: Target = { context: "local" };

async function ask(provider: LocalEvidence, needs: Need[]): Promise<Fact<unknown>[]> {
  const answers = await provider.collect(needs, LOCAL);
  return needs.map((n) => answers.get(needKey(n))!);
}

async function one<T>(provider: LocalEvidence, need: Need): Promise<Fact<T>> {
  const [fact] = await ask(provider, [need]);
  return fact as Fact<T>;
}

const value = <T>(fact: Fact<T> | undefined): T => {
  if (!fact) throw new Error("no answer");
  if (fact.state !== "ok") throw new Error(`expected a known fact, got unknown: ${fact.reason}`);
  return fact.value;
};

const reasonOf = (fact: Fact<unknown> | undefined): string =>
  !fact ? "(no answer)" : fact.state === "unknown" ? fact.reason : "(known)";

function tracedProvider(dir: string, opts: { git?: boolean } = {}) {
  const calls: string[][] = [];
  const provider = new LocalEvidence(dir, { ...opts, trace: (args) => calls.push([...args]) });
  const logs = () => calls.filter((a) => a.includes("log")).length;
  return { provider, calls, logs };
}

afterAll(cleanup);

// One repository shared by the read-only tests below: history from 2019 to 2024, back-dated.
let repo: string;
let outside: string;
const T = {
  start: "2019-03-01T10:00:00Z",
  readme: "2021-06-15T08:30:00Z",
  rename: "2022-03-01T12:00:00Z",
  busyFrom: 2023,
  last: "2024-05-20T09:00:00Z",
};

beforeAll(() => {
  repo = initRepo();
  outside = tempDir("rg-outside-");
  writeFileSync(join(outside, "secret.txt"), "top secret\n");

  commit(repo, T.start, {
    ".gitignore": "dist/\n*.log\nnode_modules/\n",
    "README.md": "# Demo\n",
    LICENSE: "MIT License\n",
    "docs/runbook.md": "# Runbook\non-call: team-a\n",
    "docs/old-name.md": "to be renamed\n",
    "src/doomed.ts": "export {};\n",
    "docs/café notes.md": "unicode and a space\n",
    "docs/[v1] *draft*.md": "glob characters in the name\n",
  });
  commit(repo, T.readme, { "README.md": "# Demo\n\nNow with words.\n" });
  git(repo, ["mv", "docs/old-name.md", "docs/new-name.md"]);
  commit(repo, T.rename);
  // A busy later history that never touches the runbook: it was last changed in 2019.
  for (let i = 0; i < 40; i++) {
    const month = String((i % 12) + 1).padStart(2, "0");
    commit(repo, `${T.busyFrom + Math.floor(i / 12)}-${month}-10T00:00:00Z`, {
      [`src/mod${i % 7}.ts`]: `// ${i}\n`,
    });
  }
  commit(repo, T.last, { "src/index.ts": "export const x = 1;\n" });

  // Working tree state a user would have.
  write(repo, "dist/bundle.js", "ignored\n");
  write(repo, "debug.log", "ignored\n");
  write(repo, "node_modules/dep/index.js", "ignored\n");
  write(repo, "NOTES.md", "untracked, not ignored\n");
  write(repo, "staged.md", "added, never committed\n");
  git(repo, ["add", "staged.md"]);
  unlinkSync(join(repo, "src/doomed.ts")); // deleted in the working tree, not committed
  symlinkSync(join(outside, "secret.txt"), join(repo, "leak.txt"));
  symlinkSync(outside, join(repo, "outdir"));
  symlinkSync("../../nowhere-outside", join(repo, "dangling-out"));
  symlinkSync("README.md", join(repo, "readme-link.md"));
  // mtime says "today": freshness must come from the commit, not from the file system.
  const now = new Date();
  utimesSync(join(repo, "docs/runbook.md"), now, now);
  utimesSync(join(repo, "README.md"), now, now);
});

describe("files in a git checkout", () => {
  it("lists tracked and untracked-not-ignored files, not ignored or deleted ones", async () => {
    const { provider, calls } = tracedProvider(repo);
    const files = value(await one<FileIndex>(provider, { type: "files" }));
    expect(files.has("README.md")).toBe(true);
    expect(files.has("docs/new-name.md")).toBe(true);
    expect(files.has("docs/old-name.md")).toBe(false);
    expect(files.has("docs/café notes.md")).toBe(true);
    expect(files.has("NOTES.md")).toBe(true);
    expect(files.has("staged.md")).toBe(true);
    expect(files.has("src/doomed.ts")).toBe(false);
    expect(files.paths.filter((p) => p.startsWith("dist/") || p.endsWith(".log"))).toEqual([]);
    expect(files.paths.some((p) => p.startsWith("node_modules/"))).toBe(false);
    expect(files.match("docs/**/*.md")).toEqual([
      "docs/[v1] *draft*.md",
      "docs/café notes.md",
      "docs/new-name.md",
      "docs/runbook.md",
    ]);
    expect(files.match(".gitignore")).toEqual([".gitignore"]);
    expect(files.truncated).toBe(false);
    // Two git processes side by side (listing, deletions), no per-file stat: sizes are left to content reads.
    expect(calls.map((a) => a.slice(0, 3))).toEqual([
      ["ls-files", "-z", "-t"],
      ["ls-files", "-z", "--deleted"],
    ]);
    expect(files.bytes("README.md")).toBeUndefined();
  });

  it("can start listing early; the later collect reuses that listing", async () => {
    const { provider, calls } = tracedProvider(repo);
    provider.prefetch();
    const files = value(await one<FileIndex>(provider, { type: "files" }));
    expect(files.has("README.md")).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it("answers relative to a subdirectory when pointed at one", async () => {
    const provider = new LocalEvidence(join(repo, "docs"));
    const [files, changed] = await ask(provider, [
      { type: "files" },
      { type: "lastChanged", path: "runbook.md" },
    ]);
    expect((value(files) as FileIndex).paths).toEqual([
      "[v1] *draft*.md",
      "café notes.md",
      "new-name.md",
      "runbook.md",
    ]);
    expect(value(changed)).toEqual(new Date(T.start));
  });
});

describe("content", () => {
  it("reads files, null when absent or a directory", async () => {
    const provider = new LocalEvidence(repo);
    const [readme, missing, dir, link] = await ask(provider, [
      { type: "content", path: "README.md" },
      { type: "content", path: "docs/missing.md" },
      { type: "content", path: "docs" },
      { type: "content", path: "readme-link.md" },
    ]);
    expect(value(readme)).toBe("# Demo\n\nNow with words.\n");
    expect(value(missing)).toBeNull();
    expect(value(dir)).toBeNull();
    expect(value(link)).toBe("# Demo\n\nNow with words.\n");
  });

  it("reads at most MAX_CONTENT_BYTES", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "big.txt"), "x".repeat(MAX_CONTENT_BYTES + 100));
    const text = value(await one<string>(new LocalEvidence(dir), { type: "content", path: "big.txt" }));
    expect(text.length).toBe(MAX_CONTENT_BYTES);
  });

  it("refuses paths that leave the repository and never reads them", async () => {
    const provider = new LocalEvidence(repo);
    const paths = [
      "leak.txt",
      "outdir/secret.txt",
      "outdir/not-there.txt",
      "dangling-out",
      "../escape.txt",
      "docs/../../escape.txt",
      join(outside, "secret.txt"),
      "/etc/passwd",
      "C:\\Windows\\win.ini",
    ];
    const facts = await ask(
      provider,
      paths.map((path) => ({ type: "content", path }) as const),
    );
    for (const [i, fact] of facts.entries()) {
      expect(fact.state, paths[i]).toBe("unknown");
      expect(reasonOf(fact), paths[i]).toContain("path escapes the repository");
      expect(JSON.stringify(fact)).not.toContain("top secret");
    }
  });
});

describe("lastChanged", () => {
  it("is the date of the last commit touching the path, not the file's mtime", async () => {
    const { provider, logs } = tracedProvider(repo);
    const [readme, runbook, renamed, index, license] = await ask(provider, [
      { type: "lastChanged", path: "README.md" },
      { type: "lastChanged", path: "docs/runbook.md" },
      { type: "lastChanged", path: "docs/new-name.md" },
      { type: "lastChanged", path: "src/index.ts" },
      { type: "lastChanged", path: "./LICENSE" },
    ]);
    expect(value(readme)).toEqual(new Date(T.readme));
    expect(value(runbook)).toEqual(new Date(T.start));
    expect(value(renamed)).toEqual(new Date(T.rename));
    expect(value(index)).toEqual(new Date(T.last));
    expect(value(license)).toEqual(new Date(T.start));
    expect(logs()).toBe(1);
  });

  it("uses one git log for many paths and stops once all are seen", async () => {
    const { provider, logs, calls } = tracedProvider(repo);
    const paths = ["README.md", "docs/runbook.md", "docs/new-name.md", "LICENSE", "src/index.ts"];
    for (let i = 0; i < 7; i++) paths.push(`src/mod${i}.ts`);
    const facts = await ask(
      provider,
      paths.map((path) => ({ type: "lastChanged", path }) as const),
    );
    expect(facts.every((f) => f.state === "ok" && f.value instanceof Date)).toBe(true);
    expect(logs()).toBe(1);
    expect(calls).toHaveLength(1);

    // The newest commit alone answers src/index.ts: the rest of history is not read.
    const recent = await lastChanges(repo, ["src/index.ts"]);
    expect(recent.stoppedEarly).toBe(true);
    expect(recent.changes.get("src/index.ts")).toEqual({ time: new Date(T.last) });
  });

  it("is null for paths never committed, without walking history for untracked files", async () => {
    const { provider, logs } = tracedProvider(repo);
    await ask(provider, [{ type: "files" }]);
    const [notes, staged, ghost] = await ask(provider, [
      { type: "lastChanged", path: "NOTES.md" },
      { type: "lastChanged", path: "staged.md" },
      { type: "lastChanged", path: "never/existed.md" },
    ]);
    expect(value(notes)).toBeNull();
    expect(value(staged)).toBeNull();
    expect(value(ghost)).toBeNull();
    expect(logs()).toBe(1);

    const fresh = tracedProvider(repo);
    expect(value(await one(fresh.provider, { type: "lastChanged", path: "NOTES.md" }))).toBeNull();
  });

  it("takes names literally: glob characters, spaces and non-ASCII", async () => {
    const provider = new LocalEvidence(repo);
    const [draft, cafe, star] = await ask(provider, [
      { type: "lastChanged", path: "docs/[v1] *draft*.md" },
      { type: "lastChanged", path: "docs/café notes.md" },
      { type: "lastChanged", path: "docs/*.md" },
    ]);
    expect(value(draft)).toEqual(new Date(T.start));
    expect(value(cafe)).toEqual(new Date(T.start));
    expect(value(star)).toBeNull();
  });

  it("filters in-process when the paths are too many for the command line", async () => {
    const many = Array.from({ length: 4000 }, (_, i) => `generated/some/long/directory/name/file-${i}.txt`);
    const history = await lastChanges(repo, ["README.md", "docs/runbook.md", ...many]);
    expect(history.changes.get("README.md")).toEqual({ time: new Date(T.readme) });
    expect(history.changes.get("docs/runbook.md")).toEqual({ time: new Date(T.start) });
    expect(history.changes.get(many[0]!)).toEqual({ never: true });
    expect(history.changes.size).toBe(4002);
  });

  it("knows a deleted path's last commit and a directory's newest change", async () => {
    const provider = new LocalEvidence(repo);
    const [doomed, docs] = await ask(provider, [
      { type: "lastChanged", path: "src/doomed.ts" },
      { type: "lastChanged", path: "docs" },
    ]);
    expect(value(doomed)).toEqual(new Date(T.start));
    expect(value(docs)).toEqual(new Date(T.rename));
  });

  it("refuses escaping paths and symlinks leading outside", async () => {
    const provider = new LocalEvidence(repo);
    const facts = await ask(provider, [
      { type: "lastChanged", path: "../x" },
      { type: "lastChanged", path: "/etc/passwd" },
      { type: "lastChanged", path: "leak.txt" },
    ]);
    for (const f of facts) expect(reasonOf(f)).toContain("path escapes the repository");
  });

  it("says a shallow clone's history is cut instead of inventing dates", async () => {
    const clone = tempDir();
    git(clone, ["clone", "-q", "--depth", "3", `file://${repo}`, "."]);
    const provider = new LocalEvidence(clone);
    const [index, runbook, mod] = await ask(provider, [
      { type: "lastChanged", path: "src/index.ts" },
      { type: "lastChanged", path: "docs/runbook.md" },
      { type: "lastChanged", path: "README.md" },
    ]);
    expect(value(index)).toEqual(new Date(T.last));
    expect(reasonOf(runbook)).toMatch(
      /^shallow clone: history does not reach the last change to docs\/runbook\.md/,
    );
    expect(reasonOf(mod)).toMatch(/^shallow clone/);
    // From a subdirectory git is asked where the shallow list lives.
    const sub = tracedProvider(join(clone, "docs"));
    expect(reasonOf(await one(sub.provider, { type: "lastChanged", path: "runbook.md" }))).toMatch(
      /^shallow clone/,
    );
    expect(sub.calls.map((a) => a[0])).toEqual(["--literal-pathspecs", "rev-parse"]);

    const depth1 = tempDir();
    git(depth1, ["clone", "-q", "--depth", "1", `file://${repo}`, "."]);
    const cut = await one(new LocalEvidence(depth1), { type: "lastChanged", path: "src/index.ts" });
    // The only commit lists every file; that is not evidence of a change.
    expect(reasonOf(cut)).toMatch(/^shallow clone/);
  });

  it("is null for everything in a repository without commits", async () => {
    const dir = initRepo();
    write(dir, "README.md", "hi\n");
    const provider = new LocalEvidence(dir);
    const [files, changed] = await ask(provider, [
      { type: "files" },
      { type: "lastChanged", path: "README.md" },
    ]);
    expect((value(files) as FileIndex).paths).toEqual(["README.md"]);
    expect(value(changed)).toBeNull();
    expect(await localTarget(dir)).toEqual({ context: "local" });
  });
});

describe("outside git", () => {
  it("walks the directory, skipping .git-like and node_modules folders, not following symlinks", async () => {
    const dir = tempDir();
    write(dir, "README.md", "plain\n");
    write(dir, ".github/workflows/ci.yml", "on: push\n");
    write(dir, "node_modules/x/index.js", "");
    write(dir, "a/node_modules/y.js", "");
    write(dir, "a/b/c.txt", "deep\n");
    mkdirSync(join(dir, "empty"));
    symlinkSync(outside, join(dir, "linked-dir"));
    const { provider, logs } = tracedProvider(dir);
    const [files, changed, content] = await ask(provider, [
      { type: "files" },
      { type: "lastChanged", path: "README.md" },
      { type: "content", path: "linked-dir/secret.txt" },
    ]);
    expect((value(files) as FileIndex).paths).toEqual([
      ".github/workflows/ci.yml",
      "README.md",
      "a/b/c.txt",
      "linked-dir",
    ]);
    expect(reasonOf(changed)).toBe("freshness needs git history: not a git checkout");
    expect(reasonOf(content)).toContain("path escapes the repository");
    expect(logs()).toBe(1);
  });

  it("with git turned off, walks even a checkout and starts no git process", async () => {
    const { provider, calls } = tracedProvider(repo, { git: false });
    const [files, changed] = await ask(provider, [
      { type: "files" },
      { type: "lastChanged", path: "README.md" },
    ]);
    expect((value(files) as FileIndex).has("dist/bundle.js")).toBe(true);
    expect(reasonOf(changed)).toMatch(/^freshness needs git history/);
    expect(calls).toEqual([]);
  });

  it("answers unknown, not a throw, for a directory that does not exist", async () => {
    const provider = new LocalEvidence(join(tempDir(), "gone"));
    const facts = await ask(provider, [
      { type: "files" },
      { type: "content", path: "README.md" },
      { type: "lastChanged", path: "README.md" },
    ]);
    for (const f of facts) expect(reasonOf(f)).toContain("does not exist");
  });
});

describe("evidence only GitHub has", () => {
  it("is unknown with a reason saying only GitHub has it (the report says once how to get it)", async () => {
    const needs: Need[] = [
      { type: "workflowRuns", workflow: { file: "ci.yml" } },
      { type: "checkRuns" },
      { type: "statuses" },
      { type: "artifactFile", workflow: { name: "CI" }, artifact: "sbom", file: "sbom.json" },
      { type: "release" },
      { type: "branchRules", branch: "main" },
      { type: "alerts", source: "dependabot" },
      { type: "pullRequest" },
      { type: "ledger", teams: [] },
    ];
    const { provider, calls } = tracedProvider(repo);
    const facts = await ask(provider, needs);
    expect(reasonOf(facts[0]!)).toBe("workflow runs are only known to GitHub");
    expect(reasonOf(facts[6]!)).toMatch(/^dependabot alerts are only known to GitHub/);
    for (const f of facts) expect(reasonOf(f)).toMatch(/only known to GitHub$/);
    expect(calls).toEqual([]);
  });
});

describe("localTarget", () => {
  it("takes the commit and branch from git", async () => {
    const head = git(repo, ["rev-parse", "HEAD"]).trim();
    const calls: string[][] = [];
    expect(await localTarget(repo, { trace: (a) => calls.push([...a]) })).toEqual({
      context: "local",
      sha: head,
      ref: "main",
    });
    // A plain checkout's HEAD is read from disk, no process.
    expect(calls).toEqual([]);
    // Packed refs and subdirectories go through git, with the same answer.
    const clone = tempDir();
    git(clone, ["clone", "-q", `file://${repo}`, "."]);
    git(clone, ["pack-refs", "--all"]);
    expect(await localTarget(clone, { trace: (a) => calls.push([...a]) })).toEqual({
      context: "local",
      sha: head,
      ref: "main",
    });
    expect(await localTarget(join(clone, "docs"))).toEqual({ context: "local", sha: head, ref: "main" });
    expect(calls).toHaveLength(1);
  });

  it("leaves the ref out on a detached HEAD and everything out outside git", async () => {
    const clone = tempDir();
    git(clone, ["clone", "-q", `file://${repo}`, "."]);
    const first = git(clone, ["rev-list", "--max-parents=0", "HEAD"]).trim();
    git(clone, ["checkout", "-q", "--detach", first]);
    expect(await localTarget(clone)).toEqual({ context: "local", sha: first });
    expect(await localTarget(tempDir())).toEqual({ context: "local" });
  });
});

describe("lastChanged across merges (found by bench/oracle.ts on prometheus/prometheus)", () => {
  it("a merge that combines changes of both sides to a path is its last change, as `git log -1 -- <path>` says", async () => {
    // docs/x.md changed on a side branch (100 days ago) and on main (90 days ago), merged yesterday: the
    // merged text exists in neither parent, so the merge is the commit that last changed it.
    const dir = initRepo();
    const day = (n: number) => new Date(Date.parse("2026-06-01T12:00:00Z") - n * 86_400_000).toISOString();
    write(dir, "docs/x.md", "one\ntwo\nthree\nfour\nfive\n");
    write(dir, "other.md", "a\n");
    commit(dir, day(200));
    git(dir, ["checkout", "-q", "-b", "side"]);
    write(dir, "docs/x.md", "ONE\ntwo\nthree\nfour\nfive\n");
    commit(dir, day(100));
    git(dir, ["checkout", "-q", "main"]);
    write(dir, "docs/x.md", "one\ntwo\nthree\nfour\nFIVE\n");
    commit(dir, day(90));
    git(dir, ["merge", "-q", "--no-ff", "-m", "merge side", "side"], day(1));
    const expected = git(dir, ["log", "-1", "--format=%cI", "--", "docs/x.md"]).trim();
    expect(new Date(expected)).toEqual(new Date(day(1)));
    for (const paths of [["docs/x.md"], ["docs/x.md", "other.md"]]) {
      const history = await lastChanges(dir, paths);
      expect(history.changes.get("docs/x.md")).toEqual({ time: new Date(day(1)) });
      expect(history.changes.get("other.md") ?? { time: new Date(day(200)) }).toEqual({
        time: new Date(day(200)),
      });
    }
  });
});
