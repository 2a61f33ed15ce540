#!/usr/bin/env node
// Loads the bundled command (scripts/bundle-cli.mjs, built by `npm run build`): one file starts much faster
// than tsc's tree of small modules.
import { main } from "../dist/cli/readiness.mjs";

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
