// Drives Gatehouse's hosted pages in headless Chromium (Debian's `chromium`), JavaScript off
// as the pages must work without it, and keeps a screenshot of every page.
//
//   node tests/browser/hosted.mjs <base_url>
//
// The scenario (users, client, codes) comes from tests/api/browser.rs in GATEHOUSE_BROWSER_SCENARIO
// (JSON). Prints one JSON line per finished sign-in: {"scenario", "location"}. Exits non-zero on
// the first failed check.
import { chromium } from "playwright-core";
import * as OTPAuth from "otpauth";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const base = process.argv[2];
assert.ok(base, "usage: node hosted.mjs <base_url>");
const s = JSON.parse(process.env.GATEHOUSE_BROWSER_SCENARIO ?? "{}");
const artifacts = s.artifacts_dir;
mkdirSync(artifacts, { recursive: true });

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

function authorizeUrl(extra = "") {
  const q = new URLSearchParams({ client_id: s.client_id, redirect_uri: s.redirect_uri, state: "browser-state" });
  return `${base}/hosted/authorize?${q}${extra}`;
}

async function newPage() {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 800, height: 900 } });
  return context.newPage();
}

/// Every visible input is labelled: Playwright finds it by its label text.
async function assertLabelled(page) {
  const unlabelled = await page.$$eval("input:not([type=hidden])", (inputs) =>
    inputs.filter((i) => i.labels.length === 0 && !i.getAttribute("aria-label")).map((i) => i.name),
  );
  assert.deepEqual(unlabelled, [], `inputs without a label on ${page.url()}`);
}

/// Keyboard focus is visible (an outline) on the focused control.
async function assertFocusVisible(page) {
  const outline = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { tag: el.tagName, style: style.outlineStyle, width: style.outlineWidth };
  });
  assert.notEqual(outline.style, "none", `no visible focus on ${outline.tag}`);
}

function report(scenario, location) {
  console.log(JSON.stringify({ scenario, location }));
}

try {
  // 1. Password + TOTP, then the organization picker; by keyboard only.
  {
    const page = await newPage();
    await page.goto(authorizeUrl());
    assert.match(page.url(), /\/hosted\/sign-in$/);
    await assertLabelled(page);
    await screenshot(page, "sign-in");

    // The side pages of the same flow.
    for (const [path, name] of [
      ["/hosted/sign-up", "sign-up"],
      ["/hosted/magic-code/start", "magic-code-request"],
      ["/hosted/forgot-password", "forgot-password"],
    ]) {
      await page.goto(base + path);
      await assertLabelled(page);
      await screenshot(page, name);
    }
    await page.goto(base + "/hosted/sign-in");

    // Wrong password first: the error is announced and tied to the fields.
    await page.getByLabel("Email", { exact: true }).fill(s.totp_user.email);
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await page.getByLabel("Password", { exact: true }).getAttribute("aria-describedby"), "form-error");
    await screenshot(page, "sign-in-error");

    // Then by keyboard: the email is prefilled and the password field has focus.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "password");
    await assertFocusVisible(page);
    await page.keyboard.type(s.totp_user.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/hosted\/mfa$/);
    await assertLabelled(page);
    await screenshot(page, "mfa-challenge");

    await page.keyboard.type(s.totp_user.totp_code);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/hosted\/organizations$/);
    await assertLabelled(page);
    await screenshot(page, "organization-picker");

    await page.getByLabel(s.totp_user.pick, { exact: true }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL((url) => url.href.startsWith(s.redirect_uri));
    await screenshot(page, "back-at-the-app");
    report("password_totp", page.url());
    await page.context().close();
  }

  // 2. The organization requires MFA: enroll from the QR page's setup key.
  {
    const page = await newPage();
    await page.goto(authorizeUrl(`&login_hint=${encodeURIComponent(s.enroll_user.email)}`));
    await page.getByLabel("Password", { exact: true }).fill(s.enroll_user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/hosted\/mfa\/enroll$/);
    await page.getByRole("img", { name: "QR code" }).waitFor();
    await assertLabelled(page);
    await screenshot(page, "mfa-enroll");
    const secret = (await page.locator("#totp-secret").textContent()).trim();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    // The server runs on the test's fixed clock.
    await page.getByLabel("Code from your authenticator app").fill(totp.generate({ timestamp: s.now_ms }));
    await page.getByRole("button", { name: "Turn on two-step verification" }).click();
    await page.waitForURL((url) => url.href.startsWith(s.redirect_uri));
    report("enroll", page.url());
    await page.context().close();
  }

  // 3. The organization allows only emailed codes: the re-authentication prompt names it.
  {
    const page = await newPage();
    await page.goto(authorizeUrl(`&login_hint=${encodeURIComponent(s.reauth_user.email)}`));
    await page.getByLabel("Password", { exact: true }).fill(s.reauth_user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/hosted\/reauthenticate$/);
    assert.ok((await page.textContent("main")).includes("Signing in with a code sent by email."));
    await screenshot(page, "reauthenticate");
    await page.getByRole("button", { name: "Email me a sign-in code" }).click();
    await page.waitForURL(/\/hosted\/magic-code$/);
    await assertLabelled(page);
    await screenshot(page, "magic-code");
    await page.context().close();
  }
} finally {
  await browser.close();
}
