// The baseline for bench/load.ts: a Probot server whose app does nothing. Same Probot version, webhook
// path, secret and logger set-up as src/app/main.ts (pino JSON to stdout at LOG_LEVEL), so the difference
// measured is what the App adds: its handlers, queue, metrics and the evaluations behind them.
import pino from "pino";
import { Probot, Server } from "probot";

const env = process.env;
const log = pino(
  { level: env.LOG_LEVEL ?? "info", name: "bare-probot" },
  pino.destination({ dest: 1, sync: true }),
);
const server = new Server({
  host: env.HOST ?? "127.0.0.1",
  port: Number(env.PORT ?? 3000),
  webhookPath: "/api/github/webhooks",
  log,
  Probot: Probot.defaults({
    appId: Number(env.APP_ID),
    privateKey: env.PRIVATE_KEY ?? "",
    secret: env.WEBHOOK_SECRET ?? "",
    log,
  }),
});
await server.load(() => {});
await server.start();
log.info("bare probot ready");
process.on("SIGTERM", () => {
  void server.stop().finally(() => process.exit(0));
});
