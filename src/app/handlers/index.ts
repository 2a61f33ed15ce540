// Every webhook the App subscribes to (app.yml lists the same events).
import { checkRunHandler } from "./check-run.js";
import { checkSuiteHandler } from "./check-suite.js";
import { deploymentProtectionRuleHandler } from "./deployment-protection-rule.js";
import { issueCommentHandler } from "./issue-comment.js";
import { mergeGroupHandler } from "./merge-group.js";
import { pullRequestHandler } from "./pull-request.js";
import { pushHandler } from "./push.js";
import { releaseHandler } from "./release.js";
import type { AnyEventHandler } from "./types.js";
import { workflowRunHandler } from "./workflow-run.js";

export const handlers: readonly AnyEventHandler[] = [
  pullRequestHandler,
  workflowRunHandler,
  checkRunHandler,
  checkSuiteHandler,
  pushHandler,
  releaseHandler,
  deploymentProtectionRuleHandler,
  issueCommentHandler,
  mergeGroupHandler,
];

export type { AnyEventHandler, EventHandler, HandlerEnv } from "./types.js";
