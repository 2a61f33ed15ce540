// The dashboard in a real browser: Playwright driving Debian's Chromium against the built server, a seeded
// store and the GitHub stand-in. Sign in, see only one's repositories, filter, open a repository, follow a
// link to a check run. Without Chromium the test says so in one line and is skipped, except in CI.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, chromiumFound, openBrowser, signInWithBrowser } from "../../support/browser.js";
import { buildIfNeeded } from "../../support/build.js";
import { type DashboardServer, PEOPLE, REPOSITORIES, startDashboard } from "../../support/dashboard.js";

const found = chromiumFound();
if (!found && !process.env.CI)
  console.log(`dashboard browser test: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);

const rows = (page: Page) =>
  page
    .locator("tbody tr[data-repository]")
    .evaluateAll((trs) => trs.map((t) => t.getAttribute("data-repository")));

describe.runIf(found || process.env.CI)("the dashboard in Chromium", () => {
  let d: DashboardServer;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  beforeAll(async () => {
    buildIfNeeded();
    d = await startDashboard();
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  it("signs in, shows only one's repositories, filters, opens a repository and follows a link to its check run", async () => {
    const page = await browser.context.newPage();
    await signInWithBrowser(page, d.url, PEOPLE.member.login);
    expect(await page.locator("header .who").innerText()).toContain("alice");
    expect((await rows(page)).sort()).toEqual(REPOSITORIES.map((r) => `octo/${r.name}`).sort());

    await page.selectOption("select[name=verdict]", "no-go");
    await page.click("form.filters button[type=submit]");
    await page.waitForURL(/verdict=no-go/);
    const nogo = await rows(page);
    expect(nogo.length).toBeGreaterThan(0);
    expect(nogo.length).toBeLessThan(REPOSITORIES.length);
    for (const badge of await page.locator("tbody tr[data-repository] .badge").allInnerTexts())
      expect(badge).toBe("NO-GO");

    await page.click(`a[href="/dashboard/${nogo[0]}"]`);
    await page.waitForURL(`${d.url}/dashboard/${nogo[0]}`);
    expect(await page.locator("h1").innerText()).toContain(nogo[0]!);
    expect(
      await page.locator("svg[aria-label='score over time per category'] polyline").count(),
    ).toBeGreaterThan(1);
    const run = page.locator("a.check-run").first();
    const href = await run.getAttribute("href");
    expect(href).toMatch(new RegExp(`^${d.gh.origin}/${nogo[0]}/runs/\\d+$`));
    await run.click();
    await page.waitForURL(href!);
    expect(await page.locator("#check-run").innerText()).toBeTruthy();
    await page.close();
  });

  it("an outside collaborator sees only the repository they can read", async () => {
    const other = await openBrowser();
    try {
      const page = await other.context.newPage();
      await signInWithBrowser(page, d.url, PEOPLE.collaborator.login);
      expect(await rows(page)).toEqual(["octo/web"]);
      await page.goto(`${d.url}/dashboard/octo/api`);
      expect(await page.locator("h1").innerText()).toBe("Not found");
    } finally {
      await other.close();
    }
  });
});
