// Found by the second fresh-eyes review (docs/security.md §1): a release that passed could be pointed at a NO-GO
// commit afterwards, by editing its tag (release.edited) or by moving the tag (a forced push), and nothing
// evaluated it again, so `gate.onRelease: draft` never held it back.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example } from "../app/harness.js";
import { buildIfNeeded, type Spawned, sendWebhook, spawnBuiltServer, until } from "../support/build.js";
import { GitHubStandIn, type StandInRequest } from "../support/github-stand-in.js";
import { APP_KEYS, repositoryPayload } from "../support/payloads.js";

const APP_ID = 7171;
const SECRET = `release-${randomUUID()}`;
const OWNER = "octo";
const NAME = "shipping";
const GOOD = "6".repeat(40);
const BAD = "b".repeat(40);
const RUN = "Production readiness (release)";
const POLICY = `version: 1
gate: { minScore: 80, onRelease: draft }
checks:
  readme:
    required: true
    file: { path: README.md }
`;

describe("a release pointed at another commit after it passed is evaluated again", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const send = (event: string, payload: unknown) => sendWebhook(server.url, SECRET, event, payload);
  const repo = () => gh.repo(OWNER, NAME)!;
  const runOn = (sha: string) => gh.checkRuns.filter((r) => r.head_sha === sha && r.name === RUN).at(-1);

  function releasePayload(action: string, id: number, tag: string, extra: Record<string, unknown> = {}) {
    const payload = example("release", "published");
    payload.action = action as "published";
    payload.repository = repositoryPayload(OWNER, NAME, 88) as typeof payload.repository;
    Object.assign(payload.release, { id, tag_name: tag, draft: false, prerelease: false });
    return { ...payload, installation: { id: 1 }, ...extra };
  }

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: APP_KEYS.publicKey,
      installations: [{ id: 1, account: OWNER }],
    }).start();
    gh.addRepo({
      owner: OWNER,
      name: NAME,
      id: 88,
      defaultBranch: "main",
      files: { main: { ".readiness.yml": POLICY }, [GOOD]: { "README.md": "# shipping\n" }, [BAD]: {} },
      refs: { main: GOOD, v1: GOOD, v2: BAD, v3: GOOD },
      releases: [
        { id: 41, tag: "v1" },
        { id: 43, tag: "v3" },
      ],
    });
    gh.route("GET", "/repos/:owner/:repo/releases/tags/*tag", (req: StandInRequest) => {
      const release = repo().releases.find((r) => r.tag === req.params.tag);
      return release
        ? {
            status: 200,
            body: { id: release.id, tag_name: release.tag, draft: release.draft ?? false, prerelease: false },
          }
        : { status: 404, body: { message: "Not Found" } };
    });
    server = await spawnBuiltServer({ gh, secret: SECRET, appId: APP_ID, privateKey: APP_KEYS.privateKey });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
  });

  it("release.edited to a tag on a NO-GO commit: that commit is evaluated and the release turned back into a draft", async () => {
    await send("release", releasePayload("published", 41, "v1"));
    expect(
      (await until("v1's run", () => runOn(GOOD)?.status === "completed" && runOn(GOOD), 20_000)).conclusion,
    ).toBe("success");
    repo().releases.find((r) => r.id === 41)!.tag = "v2";
    await send("release", releasePayload("edited", 41, "v2", { changes: { tag_name: { from: "v1" } } }));
    const run = await until("v2's run", () => runOn(BAD)?.status === "completed" && runOn(BAD), 20_000);
    expect(run.conclusion).toBe("failure");
    await until("the release drafted", () =>
      gh.releasePatches.find((p) => p.id === 41 && (p.body as { draft?: boolean }).draft === true),
    );
  });

  it("a forced push moving the tag of a published release: the new commit is evaluated and the release held back", async () => {
    repo().refs.v3 = BAD;
    const push = example("push");
    Object.assign(push, {
      ref: "refs/tags/v3",
      before: GOOD,
      after: BAD,
      created: false,
      deleted: false,
      forced: true,
      commits: [],
      head_commit: null,
      repository: { ...push.repository, ...repositoryPayload(OWNER, NAME, 88) },
      installation: { id: 1 },
    });
    await send("push", push);
    await until("the release drafted", () =>
      gh.releasePatches.find((p) => p.id === 43 && (p.body as { draft?: boolean }).draft === true),
    );
  });
});
