// A real browser for tests and scripts: Playwright (playwright-core, no downloaded browser) driving Debian's
// Chromium (CHROMIUM_PATH, /usr/bin/chromium by default) headless, without sandbox, in an empty profile.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumFound = (): boolean => existsSync(CHROMIUM);

/** A browser with an empty profile of its own. */
export async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "readiness-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox"],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens /dashboard signed out and signs in on GitHub's (the stand-in's) page as `login`. */
export async function signInWithBrowser(page: Page, url: string, login: string): Promise<void> {
  await page.goto(`${url}/dashboard`);
  await page.fill("#login", login);
  await page.click("#authorize");
  await page.waitForURL(`${url}/dashboard`);
}
