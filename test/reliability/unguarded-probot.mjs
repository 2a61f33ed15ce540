// Why src/app/body-limit.ts exists, measured: Probot's own webhook middleware (@octokit/webhooks) reads a
// whole request body into memory before it looks at the signature. This posts an unsigned 200 MiB body to it
// and prints what that cost the process. Not a test (it needs hundreds of MB); run it by hand:
//   node test/reliability/unguarded-probot.mjs [MiB]
import { readFileSync } from "node:fs";
import { createServer, request } from "node:http";
import pino from "pino";
import { Probot } from "probot";

const mib = Number(process.argv[2] ?? 200);
const peakKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);

const probot = new Probot({ appId: 1, privateKey: "unused", secret: "s", log: pino({ level: "silent" }) });
const middleware = await probot.getNodeMiddleware();
const server = createServer((req, res) => void middleware(req, res)).listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
const { port } = server.address();

const before = peakKb();
const started = Date.now();
const chunk = Buffer.alloc(1024 * 1024, "a");
const status = await new Promise((resolve) => {
  const req = request(
    {
      port,
      host: "127.0.0.1",
      method: "POST",
      path: "/api/github/webhooks",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": "unguarded",
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      },
    },
    (res) => {
      res.resume();
      resolve(res.statusCode);
    },
  );
  let sent = 0;
  const pump = () => {
    while (sent < mib) {
      sent++;
      if (!req.write(chunk)) return void req.once("drain", pump);
    }
    req.end();
  };
  pump();
});
console.log(
  `unguarded Probot webhook middleware: ${mib} MiB unsigned body → ${status} after ${Date.now() - started} ms; ` +
    `peak RSS +${Math.round((peakKb() - before) / 1024)} MB`,
);
server.close();
process.exit(0);
