#!/usr/bin/env node
// Loads the bundled command (scripts/bundle-cli.mjs, built by `npm run build`) with its code cache
// (load-cli.js): one precompiled file starts much faster than tsc's tree of small modules.
import { loadCli } from "./load-cli.js";

const { main } = loadCli();

// A reader that stops early (`readiness check | head -1`) is not a failure of ours: end quietly, as a
// command killed by SIGPIPE does, rather than with a stack trace and a NO-GO exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(141);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
