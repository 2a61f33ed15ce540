// The floor: only the git and file work a policy of `file` checks needs, done the cheapest way, to measure
// `readiness check` against (bench/cli-speed.ts). No dependencies, no validation, no report: one
// `git ls-files`, glob matching in process, per freshness limit one `git rev-list -1 --before` and one
// `git diff --name-only` (with the paths as pathspec), and reading the files a `contains` needs.
//
//   node bench/floor.mjs <dir> <rules.json> [--now ISO]
//
// rules.json: [{ "id", "path": glob or [globs], "contains"?: regex, "maxAgeDays"?: days }]. A check passes
// when some matching path meets every condition (readiness's default). Prints {"checks":[{id,status}]}.
// Cheaper than exact: a file changed and changed back inside a window reads as stale here.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const [dir, rulesFile, ...rest] = process.argv.slice(2);
const nowArg = rest[rest.indexOf("--now") + 1];
const now = rest.includes("--now") ? Date.parse(nowArg) : Date.now();
const DAY_MS = 86_400_000;
const MAX_READS = 50;

const git = (args) =>
  new Promise((res, rej) =>
    execFile("git", args, { cwd: dir, maxBuffer: 1 << 30, encoding: "utf8" }, (e, out) =>
      e ? rej(e) : res(out),
    ),
  );

/** Glob to RegExp: ** crosses directories, * and ? do not, {a,b} alternates, [..] is a class. */
function globRe(glob) {
  let re = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        re += "(?:.*/)?";
      } else re += ".*";
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "{") {
      braces++;
      re += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
    } else if (c === "," && braces > 0) re += "|";
    else if (c === "[") {
      const end = glob.indexOf("]", i);
      re += glob.slice(i, end + 1);
      i = end;
    } else if (c === "\\") re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^$()|]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const [rulesText, listed] = await Promise.all([
  readFile(rulesFile, "utf8"),
  git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]),
]);
const rules = JSON.parse(rulesText);
const paths = listed.split("\0").filter((p) => p !== "");

const matches = new Map();
for (const r of rules) {
  const res = [r.path].flat().map(globRe);
  matches.set(
    r.id,
    paths.filter((p) => res.some((re) => re.test(p))),
  );
}

// Per limit: the newest commit before the window, and which of the asked paths differ since.
const fresh = new Map();
const limits = [...new Set(rules.filter((r) => r.maxAgeDays).map((r) => r.maxAgeDays))];
await Promise.all(
  limits.map(async (days) => {
    const asked = [...new Set(rules.filter((r) => r.maxAgeDays === days).flatMap((r) => matches.get(r.id)))];
    const cutoff = Math.ceil((now - days * DAY_MS) / 1000);
    const base = (await git(["rev-list", "-1", `--before=@${cutoff - 1}`, "HEAD"])).trim();
    const changed = new Set(
      base === "" || asked.length === 0
        ? asked
        : (await git(["diff", "--name-only", "-z", base, "HEAD", "--", ...asked])).split("\0"),
    );
    fresh.set(days, changed);
  }),
);

const checks = await Promise.all(
  rules.map(async (r) => {
    const re = r.contains ? new RegExp(r.contains, "m") : null;
    let reads = 0;
    for (const p of matches.get(r.id)) {
      if (r.maxAgeDays && !fresh.get(r.maxAgeDays).has(p)) continue;
      if (re) {
        if (reads++ >= MAX_READS) break;
        const text = await readFile(join(dir, p), "utf8").catch(() => null);
        if (text === null || !re.test(text)) continue;
      }
      return { id: r.id, status: "pass" };
    }
    return { id: r.id, status: "fail" };
  }),
);
process.stdout.write(`${JSON.stringify({ checks })}\n`);
