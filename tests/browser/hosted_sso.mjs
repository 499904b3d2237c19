// "Continue with SSO" on the hosted sign-in page in headless Chromium (Debian's `chromium`),
// by keyboard: a domain no organization uses gets an explanation; the work email finds the
// organization, saml-idp (npm) signs the user in, and the browser lands at the vendor's app.
// Keeps a screenshot of every page.
//
//   node tests/browser/hosted_sso.mjs <authorize_url>
//
// The scenario comes from tests/api/hosted_sso.rs in GATEHOUSE_BROWSER_SCENARIO (JSON:
// artifacts_dir, email, idp_base, redirect_uri). Prints {"scenario":"sso","location"} at the
// end; exits non-zero on the first failed check.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const authorize = process.argv[2];
assert.ok(authorize, "usage: node hosted_sso.mjs <authorize_url>");
const s = JSON.parse(process.env.GATEHOUSE_BROWSER_SCENARIO ?? "{}");
mkdirSync(s.artifacts_dir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = join(s.artifacts_dir, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

/// Tabs from the top of the page until the control labelled `label` has focus.
async function tabTo(page, label) {
  await page.locator("body").focus();
  for (let i = 0; i < 20; i += 1) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el && el.labels && el.labels.length ? el.labels[0].textContent.trim() : null;
    });
    if (focused === label) return;
  }
  assert.fail(`no control labelled "${label}" reachable by Tab on ${page.url()}`);
}

try {
  // JavaScript stays on: saml-idp posts its answer with a script (our pages need none; their CSP
  // allows none).
  const context = await browser.newContext({ viewport: { width: 800, height: 1000 } });
  const page = await context.newPage();
  await page.goto(authorize);
  await page.waitForURL(/\/hosted\/sign-in$/);
  await screenshot(page, "sso-sign-in");

  // A domain no organization verified: the page says why, and the field keeps its label.
  await tabTo(page, "Work email for single sign-on");
  await page.keyboard.type("someone@nobody-uses-sso.example");
  await page.keyboard.press("Enter");
  await page.getByRole("alert").waitFor();
  assert.ok((await page.getByRole("alert").textContent()).includes("No organization uses single sign-on"));
  // The SSO field is the one marked invalid and focused, so typing goes on there.
  assert.equal(await page.evaluate(() => document.activeElement.id), "sso-email");
  assert.equal(await page.getByLabel("Work email for single sign-on").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid"), null);
  await screenshot(page, "sso-no-organization");

  await page.keyboard.press("Control+A");
  await page.keyboard.type(s.email);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.href.startsWith(`${s.idp_base}/saml/sso`));
  await screenshot(page, "sso-idp-sign-in");
  await page.locator("#btn-sign-in").click();

  await page.waitForURL((url) => url.href.startsWith(s.redirect_uri));
  await screenshot(page, "sso-back-at-the-app");
  console.log(JSON.stringify({ scenario: "sso", location: page.url() }));
  await context.close();
} finally {
  await browser.close();
}
