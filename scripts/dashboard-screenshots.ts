// Screenshots of the dashboard for docs/dashboard.md and the README: seeds a store (the test seed), starts the
// built server with the GitHub stand-in, signs in with Chromium and writes docs/images/dashboard*.png.
// Run: npx tsx scripts/dashboard-screenshots.ts   (needs Chromium: CHROMIUM_PATH or /usr/bin/chromium)
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CHROMIUM, chromiumFound, openBrowser, signInWithBrowser } from "../test/support/browser.js";
import { buildIfNeeded, ROOT } from "../test/support/build.js";
import { PEOPLE, startDashboard } from "../test/support/dashboard.js";

if (!chromiumFound()) {
  process.stderr.write(`dashboard-screenshots: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
  process.exit(1);
}
const out = join(ROOT, "docs", "images");
mkdirSync(out, { recursive: true });
buildIfNeeded();
const d = await startDashboard();
const browser = await openBrowser();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1360, height: 760 });
  await signInWithBrowser(page, d.url, PEOPLE.member.login);
  await page.screenshot({ path: join(out, "dashboard.png"), fullPage: true });
  await page.goto(`${d.url}/dashboard/octo/api`);
  await page.screenshot({ path: join(out, "dashboard-repository.png"), fullPage: true });
  process.stdout.write(`wrote ${join(out, "dashboard.png")} and ${join(out, "dashboard-repository.png")}\n`);
} finally {
  await browser.close();
  await d.stop();
}
