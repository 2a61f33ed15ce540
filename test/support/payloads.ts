// What every end-to-end test needs to look like GitHub: the App's key pair and a repository as payloads carry it.
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";

/** One RSA key pair per test process: the built server signs its JWTs with it, the stand-in verifies them. */
export const APP_KEYS = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as {
  name: string;
  examples: { repository?: object }[];
}[];
const EXAMPLE_REPOSITORY = examples.find((e) => e.name === "pull_request")!.examples[0]!.repository as {
  owner: object;
};

/** The `repository` of a real webhook payload, re-aimed at `owner/name`. */
export function repositoryPayload(owner: string, name: string, id: number, defaultBranch = "main") {
  const repo = structuredClone(EXAMPLE_REPOSITORY);
  return {
    ...repo,
    id,
    name,
    full_name: `${owner}/${name}`,
    default_branch: defaultBranch,
    owner: { ...repo.owner, login: owner },
  };
}

const EXAMPLE_DEPLOYMENT = examples.find((e) => e.name === "deployment")!.examples[0] as {
  deployment: object;
  sender: object;
};

/**
 * A `deployment_protection_rule.requested` payload: GitHub asks the App about `sha` going to `environment`,
 * waiting on workflow run `runId` (its callback URL points at the stand-in `apiBase`).
 */
export function deploymentGatePayload(
  apiBase: string,
  repository: { owner: { login: string }; name: string },
  d: { environment: string; sha: string; runId: number; ref?: string },
) {
  const base = structuredClone(EXAMPLE_DEPLOYMENT);
  return {
    action: "requested",
    environment: d.environment,
    event: "push",
    deployment_callback_url: `${apiBase}/repos/${repository.owner.login}/${repository.name}/actions/runs/${d.runId}/deployment_protection_rule`,
    deployment: {
      ...base.deployment,
      sha: d.sha,
      environment: d.environment,
      ...(d.ref ? { ref: d.ref } : {}),
    },
    pull_requests: [],
    repository,
    installation: { id: 1 },
    sender: base.sender,
  };
}
