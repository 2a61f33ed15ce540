// Slash commands through the App: a real issue_comment payload (made a pull request comment), every request
// checked against GitHub's OpenAPI description, the decision seen in the reaction, the reply, the audit log
// and the check run and sticky comment the re-evaluation writes.
import type nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodeRecord, type LedgerRecord, recordMarker } from "../../src/evidence/ledger-record.js";
import { COMMENT_MARKER } from "../../src/report/markdown.js";
import { expectKnownEndpoint } from "../support/openapi.js";
import {
  APP_ID,
  type Body,
  checkRunWrites,
  comments,
  commentWrites,
  example,
  existingCheckRun,
  type Harness,
  policy,
  RELEASE_POLICY,
  setup,
  teardown,
  token,
  tree,
} from "./harness.js";

const REPO = "Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const PR = 2;
const COMMENT_ID = 492700400;
const POSTED = "2026-11-20T11:00:00Z";
const COMMENT_URL = `https://github.com/${REPO}/pull/${PR}#issuecomment-${COMMENT_ID}`;
const WAIVE = "/readiness waive readme until 2026-11-30 README moves to the docs site next sprint";

const SIGNOFF_POLICY = `${RELEASE_POLICY}  security-review:
    title: Security review
    required: true
    signoff: { users: [alice] }
`;

/** The release PR as GET /pulls/{n} answers it: base master, labelled release, head HEAD. */
function pullRequest() {
  const pr = example("pull_request", "opened", 1).pull_request;
  pr.labels = [{ id: 1, name: "release", color: "ededed", default: false }];
  pr.state = "open";
  return pr;
}

/** A real issue_comment payload, moved onto the release PR, by `login` with `body`. */
function commentEvent(action: "created" | "edited", login: string, body: string, over: Body = {}) {
  const payload = example("issue_comment", action);
  payload.issue.number = PR;
  payload.issue.pull_request = {
    url: `https://api.github.com/repos/${REPO}/pulls/${PR}`,
    html_url: `https://github.com/${REPO}/pull/${PR}`,
    diff_url: `https://github.com/${REPO}/pull/${PR}.diff`,
    patch_url: `https://github.com/${REPO}/pull/${PR}.patch`,
  };
  Object.assign(payload.comment, {
    id: COMMENT_ID,
    body,
    html_url: COMMENT_URL,
    created_at: POSTED,
    updated_at: POSTED,
    user: { ...payload.comment.user, login, type: "User" },
    ...over,
  });
  return payload;
}

/** The comment as GET /issues/{n}/comments lists it (what the ledger reads). */
function listed(login: string, body: string, over: Body = {}) {
  return {
    id: COMMENT_ID,
    body,
    html_url: COMMENT_URL,
    created_at: POSTED,
    updated_at: POSTED,
    user: { login, type: "User" },
    performed_via_github_app: null,
    ...over,
  };
}

/** The App's record of the command comment, as it posted it when it accepted the commands. */
function recorded(login: string, commands: LedgerRecord["commands"], sha?: string) {
  const record: LedgerRecord = {
    v: 1,
    comment: COMMENT_ID,
    actor: login,
    at: POSTED,
    commands,
    ...(sha ? { sha } : {}),
  };
  return {
    id: COMMENT_ID + 1,
    body: `${recordMarker(COMMENT_ID)}\n${encodeRecord(record)}\n**Readiness Gate** recorded`,
    html_url: `${COMMENT_URL}1`,
    created_at: POSTED,
    updated_at: POSTED,
    user: { login: "readiness-gate[bot]", type: "Bot" },
    performed_via_github_app: { id: APP_ID },
  };
}

/** The collaborator permission GitHub reports for `login` (role_name keeps maintain and triage). */
function permission(api: nock.Scope, login: string, role: string, times = 1) {
  const folded = role === "maintain" ? "write" : role === "triage" ? "read" : role;
  api
    .get(`/repos/${REPO}/collaborators/${login}/permission`)
    .times(times)
    .reply(200, { permission: folded, role_name: role, user: { login, type: "User" } });
}

function reactions(api: nock.Scope): string[] {
  const seen: string[] = [];
  api
    .post(`/repos/${REPO}/issues/comments/${COMMENT_ID}/reactions`, (b) => {
      seen.push(b.content);
      return true;
    })
    .optionally()
    .times(3)
    .reply(201, { id: 1, content: "+1" });
  return seen;
}

/** Everything the re-evaluation of the PR reads: the PR, the base and head policies, its tree. */
function evaluation(api: nock.Scope, text: string, files: string[]) {
  api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
  policy(api, REPO, "master", text);
  policy(api, REPO, HEAD, text);
  tree(api, REPO, HEAD, files);
}

/** Audit lines the jobs log, captured from the job loggers (the harness logger is silent). */
function auditLines(h: Harness): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const log = h.probot.log;
  const child = log.child.bind(log);
  vi.spyOn(log, "child").mockImplementation((bindings, options) => {
    const c = child(bindings, options);
    const info = c.info.bind(c);
    vi.spyOn(c, "info").mockImplementation(((obj: unknown, ...rest: unknown[]) => {
      if ((obj as { audit?: string })?.audit === "readiness-command")
        lines.push(obj as Record<string, unknown>);
      return (info as (...a: unknown[]) => void)(obj, ...rest);
    }) as typeof c.info);
    return c;
  });
  return lines;
}

const replies = (writes: { method: string; body: string }[]) =>
  writes.filter((w) => w.method === "POST" && !w.body.includes(COMMENT_MARKER));
const sticky = (writes: { method: string; body: string }[]) =>
  writes.filter((w) => w.body.includes(COMMENT_MARKER));

describe("issue_comment: slash commands on a pull request", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    vi.restoreAllMocks();
    // Every request, one by one, against GitHub's OpenAPI description (teardown repeats it as a whole).
    for (const r of current?.recorder.requests ?? []) expectKnownEndpoint(r.method, r.url);
    teardown(current);
  });

  it("a maintainer's waiver: 👍, the PR is re-evaluated at once, the check run turns success and both reports show the waiver", async () => {
    h = await setup();
    const audit = auditLines(h);
    token(h.api);
    // The command: the PR (for its base branch and author), the base policy, the actor's permission.
    h.api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
    policy(h.api, REPO, "master", RELEASE_POLICY);
    permission(h.api, "maintainer", "maintain", 2);
    const reacted = reactions(h.api);
    // The re-evaluation: README is missing, so only the waiver makes it GO.
    evaluation(h.api, RELEASE_POLICY, ["CHANGELOG.md"]);
    existingCheckRun(h.api, REPO, HEAD, { id: 76, conclusion: "failure" });
    const runs = checkRunWrites(h.api, REPO);
    // The comment, and the App's record of it (there already, so the App posts it only once).
    comments(h.api, REPO, PR, [
      listed("maintainer", WAIVE),
      recorded("maintainer", [
        {
          verb: "waive",
          check: "readme",
          until: "2026-11-30",
          reason: "README moves to the docs site next sprint",
        },
      ]),
    ]);
    const posted = commentWrites(h.api, REPO, PR);

    await h.deliver("issue_comment", commentEvent("created", "maintainer", WAIVE));

    expect(reacted).toEqual(["+1"]);
    const reaction = h.recorder.requests.find((r) => r.path.endsWith("/reactions"))!;
    expect(expectKnownEndpoint(reaction.method, reaction.url).operationId).toBe(
      "reactions/create-for-issue-comment",
    );
    // Authorised by the collaborator permission API, never by author_association.
    expect(h.recorder.count(`GET /repos/${REPO}/collaborators/maintainer/permission`)).toBe(2);
    expect(audit).toEqual([
      expect.objectContaining({
        actor: "maintainer",
        command: WAIVE,
        check: "readme",
        repository: REPO,
        pr: PR,
        decision: "accepted",
        reason: "maintainer has maintain permission (minimum maintain)",
      }),
    ]);

    const done = runs[runs.length - 1]!;
    expect(done).toMatchObject({ status: "completed", conclusion: "success" });
    expect(done.output.title).toBe("GO · 100/100");
    for (const text of [done.output.summary as string, sticky(posted)[0]!.body]) {
      expect(text).toContain(`| [readme](${COMMENT_URL}) | comment | maintainer |`);
      expect(text).toContain("| README moves to the docs site next sprint | 2026-11-30 | applied |");
    }
    // Everything accepted and nothing asked: no reply, only the sticky comment.
    expect(replies(posted)).toEqual([]);
    expect(h.api.isDone()).toBe(true);
  });

  it("an outsider's waiver (read permission): 😕, a reply naming the reason and the right form, the check run untouched", async () => {
    h = await setup();
    const audit = auditLines(h);
    const body = "/readiness waive readme for 14d we ship without a README this time";
    token(h.api);
    h.api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
    policy(h.api, REPO, "master", RELEASE_POLICY);
    permission(h.api, "outsider", "read");
    const reacted = reactions(h.api);
    comments(h.api, REPO, PR, [listed("outsider", body)]);
    const posted = commentWrites(h.api, REPO, PR);
    const runs = checkRunWrites(h.api, REPO);

    await h.deliver("issue_comment", commentEvent("created", "outsider", body));

    expect(reacted).toEqual(["confused"]);
    expect(posted).toHaveLength(1);
    const reply = posted[0]!.body;
    expect(reply).toContain(`<!-- readiness-gate:reply:${COMMENT_ID} -->`);
    expect(reply).toContain("1 of 1 command refused");
    expect(reply).toContain("Waivers need maintain permission or above; outsider has read permission.");
    expect(reply).toContain(
      "Right forms: `/readiness waive <check-id> until YYYY-MM-DD <reason>` or `/readiness waive <check-id> for <N>d|<N>w <reason>`",
    );
    expect(reply).toContain(`[this comment](${COMMENT_URL})`);
    expect(audit).toEqual([
      expect.objectContaining({ actor: "outsider", check: "readme", decision: "refused" }),
    ]);
    // Refused: nothing is re-evaluated, so the failing check run stays as it is.
    expect(runs).toEqual([]);
    expect(h.recorder.count(`GET /repos/${REPO}/commits/${HEAD}/check-runs`)).toBe(0);
  });

  it("an unknown check id: 😕 and a reply with 'did you mean'", async () => {
    h = await setup();
    const body = "/readiness waive readm until 2026-11-30 README moves to the docs site";
    token(h.api);
    h.api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
    policy(h.api, REPO, "master", RELEASE_POLICY);
    permission(h.api, "maintainer", "maintain");
    const reacted = reactions(h.api);
    comments(h.api, REPO, PR);
    const posted = commentWrites(h.api, REPO, PR);

    await h.deliver("issue_comment", commentEvent("created", "maintainer", body));

    expect(reacted).toEqual(["confused"]);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toContain("The policy has no check `readm`. Did you mean `readme`?");
  });

  it("help: 👍 and a reply with the commands and this repository's rules, nothing re-evaluated", async () => {
    h = await setup();
    token(h.api);
    h.api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
    policy(h.api, REPO, "master", RELEASE_POLICY);
    const reacted = reactions(h.api);
    comments(h.api, REPO, PR);
    const posted = commentWrites(h.api, REPO, PR);

    await h.deliver("issue_comment", commentEvent("created", "octocat", "Thanks!\n\n/readiness help\n"));

    expect(reacted).toEqual(["+1"]);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toContain("**Readiness Gate commands**");
    expect(posted[0]!.body).toContain(
      "Waivers: people with maintain permission or above; reason at least 10 characters; expiry at most 30 days ahead.",
    );
    // help needs nobody's rights and changes nothing.
    expect(h.recorder.count(`GET /repos/${REPO}/collaborators`)).toBe(0);
    expect(h.recorder.count(`GET /repos/${REPO}/commits`)).toBe(0);
  });

  it("a sign-off by a listed approver: 👍, and the check run and the sticky comment show who, the note and a link", async () => {
    h = await setup();
    const body = "/readiness signoff security-review threat model reviewed with the SRE team";
    token(h.api);
    h.api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
    policy(h.api, REPO, "master", SIGNOFF_POLICY);
    permission(h.api, "alice", "write", 2);
    const reacted = reactions(h.api);
    evaluation(h.api, SIGNOFF_POLICY, ["README.md", "CHANGELOG.md"]);
    existingCheckRun(h.api, REPO, HEAD, { id: 76, conclusion: "failure" });
    const runs = checkRunWrites(h.api, REPO);
    // The App's record binds the sign-off to the head it was given on (resetOnPush): no push times are read.
    comments(h.api, REPO, PR, [
      listed("alice", body),
      recorded(
        "alice",
        [{ verb: "signoff", check: "security-review", reason: "threat model reviewed with the SRE team" }],
        HEAD,
      ),
    ]);
    const posted = commentWrites(h.api, REPO, PR);

    await h.deliver("issue_comment", commentEvent("created", "alice", body));

    expect(reacted).toEqual(["+1"]);
    const done = runs[runs.length - 1]!;
    expect(done).toMatchObject({ conclusion: "success" });
    expect(done.output.summary).toContain("signed off by alice (today)");
    expect(done.output.summary).toContain(`[sign-off by alice](${COMMENT_URL})`);
    expect(done.output.summary).toContain("alice signed off: threat model reviewed with the SRE team");
    const comment = sticky(posted)[0]!.body;
    expect(comment).toContain("**Sign-offs**");
    expect(comment).toMatch(
      /- ✅ \*\*Security review\*\* `security-review` · required — signed off by alice \(today\) · \[sign-off by alice\]\(https:\/\/github\.com\/Codertocat\/Hello-World\/pull\/2#issuecomment-492700400\) · alice signed off: threat model reviewed with the SRE team/,
    );
    expect(replies(posted)).toEqual([]);
  });

  it("no policy on the base branch: 😕 and a reply saying the command has no effect; help still answered", async () => {
    h = await setup();
    token(h.api);
    h.api.get(`/repos/${REPO}/pulls/${PR}`).reply(200, pullRequest());
    policy(h.api, REPO, "master", null);
    const reacted = reactions(h.api);
    comments(h.api, REPO, PR);
    const posted = commentWrites(h.api, REPO, PR);

    await h.deliver("issue_comment", commentEvent("created", "maintainer", `${WAIVE}\n/readiness help`));

    expect(reacted).toEqual(["confused"]);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toContain(
      "No readiness policy applies to this pull request (no .readiness.yml on `master`), so the command has no effect.",
    );
    expect(posted[0]!.body).toContain("**Readiness Gate commands**");
    expect(h.recorder.count(`GET /repos/${REPO}/collaborators`)).toBe(0);
    expect(h.recorder.count(`GET /repos/${REPO}/commits`)).toBe(0);
  });

  it("a comment by a bot (the App's own included) holding a command: no request at all", async () => {
    h = await setup();
    const payload = commentEvent("created", "readiness-gate[bot]", WAIVE);
    payload.comment.user.type = "Bot";
    await h.deliver("issue_comment", payload);
    const other = commentEvent("created", "dependabot[bot]", WAIVE);
    await h.deliver("issue_comment", other);
    expect(h.recorder.requests).toEqual([]);
  });

  it("a comment on an issue that is not a pull request, or without a command: no request at all", async () => {
    h = await setup();
    const onIssue = commentEvent("created", "maintainer", WAIVE);
    delete onIssue.issue.pull_request;
    await h.deliver("issue_comment", onIssue);
    await h.deliver("issue_comment", commentEvent("created", "maintainer", "LGTM, ship it"));
    // Quoted from another comment or inside code: not a command.
    await h.deliver("issue_comment", commentEvent("created", "maintainer", `> ${WAIVE}\n\nWhy?`));
    await h.deliver("issue_comment", commentEvent("created", "maintainer", `\`\`\`\n${WAIVE}\n\`\`\``));
    expect(h.recorder.requests).toEqual([]);
  });

  it("an edited command comment: 😕, one reply that its commands are ignored, and a re-evaluation without the waiver", async () => {
    h = await setup();
    const audit = auditLines(h);
    const before = "/readiness waive readme until 2026-11-30 README moves to the docs site";
    const after = "/readiness waive readme until 2026-11-30 README moves to the docs site next year";
    token(h.api);
    const reacted = reactions(h.api);
    evaluation(h.api, RELEASE_POLICY, ["CHANGELOG.md"]);
    existingCheckRun(h.api, REPO, HEAD, { id: 76, conclusion: "success" });
    const runs = checkRunWrites(h.api, REPO);
    const edited = { updated_at: "2026-11-20T11:30:00Z" };
    comments(h.api, REPO, PR, [
      listed("maintainer", after, edited),
      recorded("maintainer", [
        { verb: "waive", check: "readme", until: "2026-11-30", reason: "README moves to the docs site" },
      ]),
    ]);
    permission(h.api, "maintainer", "maintain");
    const posted = commentWrites(h.api, REPO, PR);
    const payload = commentEvent("edited", "maintainer", after, edited);
    payload.changes = { body: { from: before } };

    await h.deliver("issue_comment", payload);

    expect(reacted).toEqual(["confused"]);
    const answer = replies(posted);
    expect(answer).toHaveLength(1);
    expect(answer[0]!.body).toContain(`<!-- readiness-gate:edited:${COMMENT_ID} -->`);
    expect(answer[0]!.body).toContain("this comment was edited after it was posted, so it gives nothing new");
    expect(answer[0]!.body).toContain(
      "A waiver or sign-off it gave no longer counts; an unwaive it gave still holds.",
    );
    expect(answer[0]!.body).toContain("Post the command in a new comment instead.");
    expect(audit).toEqual([expect.objectContaining({ decision: "refused", actor: "maintainer" })]);
    expect(audit[0]!.reason).toMatch(/^The comment was edited after it was posted/);
    // The ledger ignores the edited comment: README missing and no waiver, so the result is failure again.
    const done = runs[runs.length - 1]!;
    expect(done).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(done.output.summary).not.toContain("### Waivers");
  });

  it("an edit already answered is not answered again; an edit that does not touch a help line costs nothing", async () => {
    h = await setup();
    token(h.api);
    const reacted = reactions(h.api);
    const mine = {
      id: 9002,
      body: `<!-- readiness-gate:edited:${COMMENT_ID} -->\nalready said`,
      user: { login: "readiness-gate[bot]", type: "Bot" },
      performed_via_github_app: { id: APP_ID },
    };
    comments(h.api, REPO, PR, [mine]);
    const posted = commentWrites(h.api, REPO, PR);
    const payload = commentEvent("edited", "maintainer", "/readiness recheck please", {
      updated_at: "2026-11-20T11:40:00Z",
    });
    payload.changes = { body: { from: "/readiness recheck" } };

    await h.deliver("issue_comment", payload);

    expect(reacted).toEqual(["confused"]);
    expect(posted).toEqual([]);
    // Only recheck lines: nothing the ledger records, so nothing to re-evaluate.
    expect(h.recorder.count(`GET /repos/${REPO}/pulls`)).toBe(0);

    const before = h.recorder.requests.length;
    const prose = commentEvent("edited", "maintainer", "Typo fixed.\n\n/readiness help");
    prose.changes = { body: { from: "Typo fxed.\n\n/readiness help" } };
    await h.deliver("issue_comment", prose);
    expect(h.recorder.requests.length).toBe(before);
  });
});
