// A deployment waits on this App's protection rule: evaluate its commit and approve or reject it.
import { runIdFromCallback } from "../lookup.js";
import { defineHandler, jobBase } from "./types.js";

export const deploymentProtectionRuleHandler = defineHandler({
  events: ["deployment_protection_rule.requested"],
  jobs(event) {
    const base = jobBase(event);
    const p = event.payload;
    const sha = p.deployment?.sha ?? (p as { sha?: string }).sha;
    const environment = p.environment ?? p.deployment?.environment;
    if (!base || !sha || !environment) return [];
    const runId = runIdFromCallback(p.deployment_callback_url);
    return [
      {
        ...base,
        type: "deployment",
        deployment: {
          environment,
          sha,
          ...(p.deployment?.ref ? { ref: p.deployment.ref } : {}),
          ...(p.deployment?.id ? { deploymentId: p.deployment.id } : {}),
          ...(p.deployment?.url ? { deploymentUrl: p.deployment.url } : {}),
          ...(runId !== undefined ? { runId } : {}),
        },
      },
    ];
  },
});
