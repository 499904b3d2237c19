// Walks an IT admin through the Admin Portal's SAML setup in headless Chromium (Debian's
// `chromium`): open the portal link, pick the provider, read our SP values, paste the IdP's
// metadata XML, activate, and run the test sign-in through saml-idp (npm), keeping a
// screenshot of every page.
//
//   node tests/browser/portal.mjs <portal_link>
//
// The scenario comes from tests/api/browser.rs in GATEHOUSE_BROWSER_SCENARIO (JSON). Protocol
// with the test: prints {"scenario":"sp_values",acs_url,sp_entity_id}, then reads the base URL
// of the IdP the test started for them on stdin; prints {"scenario":"sso_test",location,result}
// at the end. Exits non-zero on the first failed check.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";

const link = process.argv[2];
assert.ok(link, "usage: node portal.mjs <portal_link>");
const s = JSON.parse(process.env.GATEHOUSE_BROWSER_SCENARIO ?? "{}");
const artifacts = s.artifacts_dir;
mkdirSync(artifacts, { recursive: true });
const rl = createInterface({ input: process.stdin });
const stdin = rl[Symbol.asyncIterator]();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = join(artifacts, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

/// Every visible form control is labelled: Playwright finds it by its label text.
async function assertLabelled(page) {
  const unlabelled = await page.$$eval("input:not([type=hidden]), textarea, select", (els) =>
    els.filter((e) => e.labels.length === 0 && !e.getAttribute("aria-label")).map((e) => e.name),
  );
  assert.deepEqual(unlabelled, [], `controls without a label on ${page.url()}`);
}

function report(line) {
  console.log(JSON.stringify(line));
}

try {
  // JavaScript stays on: saml-idp posts its answer with a script (our pages need none; their CSP
  // allows none).
  const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
  const page = await context.newPage();

  await page.goto(link);
  assert.ok((await page.textContent("main")).includes(s.organization));
  await screenshot(page, "portal-launch");
  await page.getByRole("button", { name: "Start setup" }).click();

  await page.waitForURL(/\/admin-portal\/sso$/);
  await assertLabelled(page);
  await screenshot(page, "portal-provider");
  await page.getByLabel("Custom SAML 2.0", { exact: true }).check();
  await page.getByRole("button", { name: "Continue" }).click();

  await page.waitForURL(/\/admin-portal\/sso\/configure$/);
  await assertLabelled(page);
  await screenshot(page, "portal-sp-values");
  const acs = (await page.locator("#acs-url").textContent()).trim();
  const entityId = (await page.locator("#sp-entity-id").textContent()).trim();
  const spMetadata = await page.locator("#sp-metadata-url").getAttribute("href");
  // Our SP metadata, as the IdP admin would download it, names the same ACS URL.
  const spXml = await (await fetch(spMetadata)).text();
  assert.ok(spXml.includes(acs), "the SP metadata names the ACS URL shown");
  report({ scenario: "sp_values", acs_url: acs, sp_entity_id: entityId });

  // The test starts saml-idp for these values and says where it is.
  const idp = (await stdin.next()).value.trim();
  const idpXml = await (await fetch(`${idp}/metadata`)).text();

  // First a wrong paste: the page names the failing check and the connection stays a draft.
  await page.getByLabel("IdP metadata XML").fill(idpXml.slice(0, 200));
  await page.getByRole("button", { name: "Save and activate" }).click();
  await page.getByRole("alert").waitFor();
  assert.ok((await page.textContent("main")).includes("saml.idp_metadata"));
  await screenshot(page, "portal-metadata-refused");

  await page.getByLabel("IdP metadata XML").fill(idpXml);
  await page.getByRole("button", { name: "Save and activate" }).click();
  await page.waitForURL(/\/admin-portal\/sso\/test$/);
  assert.equal((await page.locator("#connection-state").textContent()).trim(), "active");
  await screenshot(page, "portal-test");

  await page.getByRole("button", { name: "Test sign-in" }).click();
  await page.waitForURL((url) => url.href.startsWith(`${idp}/saml/sso`));
  await screenshot(page, "idp-sign-in");
  await page.locator("#btn-sign-in").click();

  await page.waitForURL(/\/admin-portal\/sso\/test\/callback/);
  await page.locator("#test-result").waitFor();
  await screenshot(page, "portal-test-succeeded");
  report({
    scenario: "sso_test",
    location: page.url(),
    result: (await page.locator("#test-result").textContent()).replace(/\s+/g, " ").trim(),
  });
  await context.close();
} finally {
  // An open stdin would keep node running after the walk.
  rl.close();
  process.stdin.destroy();
  await browser.close();
}
