// One module per webhook event: a pure function from the payload to work items. No I/O here; the queue and
// the service (../evaluate.ts) do the rest. Adding an event is one file in this folder plus one line in
// ./index.ts. A job that names a pull request without a commit (a slash command's re-evaluation) evaluates
// that PR's current head.
import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";
import type { Job } from "../jobs.js";

export interface HandlerEnv {
  /** This App's id: check_run and check_suite events arrive for every app's runs. */
  appId: number;
}

export interface EventHandler<E extends EmitterWebhookEventName = EmitterWebhookEventName> {
  /** `event.action` names this handler subscribes to. */
  readonly events: readonly E[];
  /** The work the event asks for; [] to ignore it. Must not throw on any real payload. */
  jobs(event: EmitterWebhookEvent<E>, env: HandlerEnv): Job[];
}

/** Any handler, with the payload type erased, as the registry holds them. */
export interface AnyEventHandler {
  readonly events: readonly string[];
  jobs(event: { id: string; name: string; payload: unknown }, env: HandlerEnv): Job[];
}

export function defineHandler<E extends EmitterWebhookEventName>(handler: EventHandler<E>): EventHandler<E> {
  return handler;
}

interface PayloadLike {
  action?: string;
  installation?: { id?: number } | null;
  repository?: { name?: string; owner?: { login?: string } | null; default_branch?: string } | null;
}

/** The fields every job carries, or null when the payload names no installation or repository. */
export function jobBase(event: { id: string; name: string; payload: unknown }) {
  const p = event.payload as PayloadLike;
  const installationId = p.installation?.id;
  const owner = p.repository?.owner?.login;
  const repo = p.repository?.name;
  if (!installationId || !owner || !repo) return null;
  return {
    installationId,
    owner,
    repo,
    ...(p.repository?.default_branch ? { defaultBranch: p.repository.default_branch } : {}),
    deliveries: [event.id],
    reason: p.action ? `${event.name}.${p.action}` : event.name,
  };
}
