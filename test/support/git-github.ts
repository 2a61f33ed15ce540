// Serves a real git repository on disk through the GitHub stand-in: every answer is computed by git from the
// same objects a local run reads, so a local and a GitHub evaluation of one commit see one repository.
//
// Covered: what the GitHub provider asks for file checks (src/evidence/github/files.ts, archive.ts,
// history.ts) and what `readiness check --repo` asks to resolve the commit (src/evidence/github/cli.ts).
// Where GitHub's behaviour matters, it is followed as documented:
// - `GET /commits`: git's walk from `sha` (newest first, git's default order, which GitHub uses), `path` limits
//   it to commits touching the file or directory; `since`/`until` compare the COMMITTER date (git's
//   --since/--until); `per_page`/`page` page it.
// - `GET /compare/{base}...{head}`: three-dot, i.e. from the merge base; `status` ahead/behind/identical/
//   diverged; commits oldest first (paged: the first page is the oldest); files with renames
//   (`previous_filename`), at most 300.
// - `GET /git/trees/{sha}?recursive=1`: blobs with size and trees, `truncated: false`.
// - `GET /zipball/{ref}`: `git archive` with GitHub's `<owner>-<repo>-<sha7>/` top directory (served
//   directly rather than through the 302 to codeload).
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import type { GitHubStandIn, StandInReply, StandInRequest } from "./github-stand-in.js";

const run = promisify(execFile);
const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C" };
const GIT = ["-c", "core.quotepath=off", "-c", "log.showSignature=false"];

async function git(dir: string, args: string[]): Promise<Buffer> {
  const { stdout } = await run("git", [...GIT, ...args], {
    cwd: dir,
    env: ENV,
    encoding: "buffer",
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
const gitText = async (dir: string, args: string[]) => (await git(dir, args)).toString("utf8");

const json = (status: number, body: unknown): StandInReply => ({ status, body });
const notFound = () => json(404, { message: "Not Found", documentation_url: "https://docs.github.com" });

const FORMAT = "%H%x1f%P%x1f%cI%x1f%aI%x1f%s";
function commitJson(line: string) {
  const [sha, parents, committed, authored, message] = line.split("\x1f");
  return {
    sha,
    commit: {
      message,
      author: { name: "Test", email: "test@example.com", date: new Date(authored!).toISOString() },
      committer: { name: "Test", email: "test@example.com", date: new Date(committed!).toISOString() },
    },
    parents: (parents ?? "")
      .split(" ")
      .filter(Boolean)
      .map((p) => ({ sha: p })),
  };
}

/** Serves `dir` as `owner/name`; `token` is accepted as the CLI's GITHUB_TOKEN. */
export function serveGitRepo(
  gh: GitHubStandIn,
  opts: { owner: string; name: string; dir: string; token: string; defaultBranch?: string },
): void {
  const { owner, name, dir } = opts;
  gh.tokens.push(opts.token);
  const mine = (req: StandInRequest) =>
    req.params.owner?.toLowerCase() === owner.toLowerCase() && req.params.repo === name;
  const resolve = async (ref: string): Promise<string | null> => {
    try {
      return (await gitText(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  };
  // Quiet on failure: the GraphQL stand-in asks for a commit's SHA as a blob first (and answers 404 then).
  const textOf = (sha: string) =>
    execFileSync("git", [...GIT, "cat-file", "blob", sha], {
      cwd: dir,
      env: ENV,
      stdio: ["ignore", "pipe", "pipe"],
    });

  gh.route("GET", "/repos/:owner/:repo", (req) =>
    mine(req)
      ? json(200, {
          id: 1,
          name,
          full_name: `${owner}/${name}`,
          owner: { login: owner },
          default_branch: opts.defaultBranch ?? "main",
          html_url: `${gh.origin}/${owner}/${name}`,
          private: false,
        })
      : notFound(),
  );

  // No pull requests: the repository is served for commit evaluations.
  gh.route("GET", "/repos/:owner/:repo/commits/:sha/pulls", (req) =>
    mine(req) ? json(200, []) : notFound(),
  );

  gh.route("GET", "/repos/:owner/:repo/commits/:ref", async (req) => {
    if (!mine(req)) return notFound();
    const sha = await resolve(req.params.ref ?? "");
    if (!sha) return json(422, { message: `No commit found for SHA: ${req.params.ref}` });
    if (String(req.headers.accept ?? "").includes("sha")) return { status: 200, body: sha };
    return json(200, commitJson((await gitText(dir, ["log", "-1", `--format=${FORMAT}`, sha])).trim()));
  });

  gh.route("GET", "/repos/:owner/:repo/commits", async (req) => {
    if (!mine(req)) return notFound();
    const q = req.query;
    const sha = await resolve(q.get("sha") ?? opts.defaultBranch ?? "main");
    if (!sha) return json(404, { message: "Not Found" });
    const perPage = Math.min(100, Number(q.get("per_page") ?? 30));
    const page = Math.max(1, Number(q.get("page") ?? 1));
    const args = ["log", `--format=${FORMAT}`, `--skip=${(page - 1) * perPage}`, `-n${perPage}`];
    if (q.get("since")) args.push(`--since=${q.get("since")}`);
    if (q.get("until")) args.push(`--until=${q.get("until")}`);
    args.push(sha);
    const path = q.get("path");
    if (path) args.push("--", `:(literal)${path}`);
    const out = await gitText(dir, args);
    return json(200, out.split("\n").filter(Boolean).map(commitJson));
  });

  gh.route("GET", "/repos/:owner/:repo/compare/:basehead", async (req) => {
    if (!mine(req)) return notFound();
    const m = /^(.+?)\.\.\.(.+)$/.exec(req.params.basehead ?? "");
    if (!m) return notFound();
    const [base, head] = await Promise.all([resolve(m[1]!), resolve(m[2]!)]);
    if (!base || !head) return notFound();
    const mergeBase = (await gitText(dir, ["merge-base", base, head])).trim();
    const ahead = Number((await gitText(dir, ["rev-list", "--count", `${base}..${head}`])).trim());
    const behind = Number((await gitText(dir, ["rev-list", "--count", `${head}..${base}`])).trim());
    const status =
      ahead === 0 && behind === 0
        ? "identical"
        : behind === 0
          ? "ahead"
          : ahead === 0
            ? "behind"
            : "diverged";
    const perPage = req.query.get("per_page");
    const all = (await gitText(dir, ["log", "--reverse", `--format=${FORMAT}`, `${base}..${head}`]))
      .split("\n")
      .filter(Boolean)
      .map(commitJson);
    // Unpaged, GitHub lists the newest 250; paged, page N of the oldest-first list.
    const page = Math.max(1, Number(req.query.get("page") ?? 1));
    const commits = perPage
      ? all.slice((page - 1) * Number(perPage), page * Number(perPage))
      : all.slice(-250);
    const diff = (await gitText(dir, ["diff", "--name-status", "-z", "-M", mergeBase, head])).split("\0");
    const files: { filename: string; status: string; previous_filename?: string }[] = [];
    for (let i = 0; i < diff.length - 1; ) {
      const code = diff[i++]!;
      if (code.startsWith("R")) {
        const from = diff[i++]!;
        const to = diff[i++]!;
        files.push({ filename: to, status: "renamed", previous_filename: from });
      } else {
        const file = diff[i++]!;
        const s = code[0] === "A" ? "added" : code[0] === "D" ? "removed" : "modified";
        files.push({ filename: file, status: s });
      }
    }
    return json(200, {
      status,
      ahead_by: ahead,
      behind_by: behind,
      total_commits: ahead,
      merge_base_commit: { sha: mergeBase },
      commits,
      files: files.slice(0, 300),
    });
  });

  gh.route("GET", "/repos/:owner/:repo/git/trees/:sha", async (req) => {
    if (!mine(req)) return notFound();
    const sha = await resolve(req.params.sha ?? "");
    if (!sha) return notFound();
    const recursive = req.query.has("recursive");
    const out = await git(dir, ["ls-tree", "-z", "-l", ...(recursive ? ["-r", "-t"] : []), sha]);
    const tree = out
      .toString("utf8")
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf("\t");
        const [mode, type, objectSha, size] = line.slice(0, tab).split(/\s+/);
        const path = line.slice(tab + 1);
        return type === "blob"
          ? { path, mode, type, sha: objectSha, size: Number(size) }
          : { path, mode, type, sha: objectSha };
      });
    return json(200, { sha, tree, truncated: false });
  });

  gh.route("GET", "/repos/:owner/:repo/git/blobs/:sha", (req) => {
    if (!mine(req)) return notFound();
    let bytes: Buffer;
    try {
      bytes = textOf(req.params.sha ?? "");
    } catch {
      return notFound();
    }
    if (String(req.headers.accept ?? "").includes("raw"))
      return { status: 200, body: bytes.toString("utf8") };
    return json(200, {
      sha: req.params.sha,
      size: bytes.length,
      encoding: "base64",
      content: bytes.toString("base64"),
    });
  });

  gh.route("GET", "/repos/:owner/:repo/contents/*path", async (req) => {
    if (!mine(req)) return notFound();
    const sha = await resolve(req.query.get("ref") ?? opts.defaultBranch ?? "main");
    if (!sha) return notFound();
    const path = req.params.path ?? "";
    const out = (await git(dir, ["ls-tree", "-z", "-l", sha, "--", path])).toString("utf8").split("\0")[0];
    if (!out) return notFound();
    const [, type, objectSha] = out.slice(0, out.indexOf("\t")).split(/\s+/);
    if (type !== "blob") return json(200, []);
    const bytes = textOf(objectSha!);
    if (String(req.headers.accept ?? "").includes("raw"))
      return { status: 200, body: bytes.toString("utf8") };
    return json(200, {
      type: "file",
      path,
      sha: objectSha,
      size: bytes.length,
      encoding: "base64",
      content: bytes.toString("base64"),
    });
  });

  gh.route("GET", "/repos/:owner/:repo/zipball/:ref", async (req) => {
    if (!mine(req)) return notFound();
    const sha = await resolve(req.params.ref ?? "");
    if (!sha) return notFound();
    const zip = await git(dir, [
      "archive",
      "--format=zip",
      `--prefix=${owner}-${name}-${sha.slice(0, 7)}/`,
      sha,
    ]);
    return { status: 200, body: new Uint8Array(zip) };
  });
}
