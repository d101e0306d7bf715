// Drives the real submission page in Debian's Chromium (playwright-core, never a browser
// download) for tests/tests/web.rs, which starts the real server and checks the results
// with the real CLI. One JSON plan in (argv[2]), one JSON result out (stdout).
//
//   node web/test/drive.mjs '{"mode":"submit","url":"https://127.0.0.1:PORT","root":"…",
//        "lang":"ru","form":{…},"poa":"/path","attachments":["/path"],"shots":"DIR"}'
// Modes: submit (fill in, attach, send, practise the codename, save receipts), inbox (come
// back with a codename, read replies), refuse (the keyring must be refused), nojs.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const plan = JSON.parse(process.argv[2]);
const shots = plan.shots;
mkdirSync(shots, { recursive: true });
const tag = plan.tag ?? plan.mode;
let step = 0;

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
if (plan.jitless) args.push("--js-flags=--jitless");

const browser = await chromium.launch({ executablePath: plan.chromium ?? "/usr/bin/chromium", args });
// The test server's certificate is self-signed; the CLI pins it by SHA-256, the browser here
// is told to accept it (a person sees the browser's own certificate warning instead).
const context = await browser.newContext({
  ignoreHTTPSErrors: true,
  acceptDownloads: true,
  javaScriptEnabled: plan.mode !== "nojs",
  viewport: { width: 420, height: 900 },
});
const page = await context.newPage();
const requests = [];
page.on("request", (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
const consoleErrors = [];
// The browser logs every refused request as a console error; those are kept apart, since a
// 409 after a cut connection is the resumable protocol working, not the page failing.
const networkErrors = [];
page.on("console", (m) => {
  if (m.type() !== "error") return;
  (m.text().startsWith("Failed to load resource") ? networkErrors : consoleErrors).push(m.text());
});
page.on("pageerror", (e) => consoleErrors.push(String(e)));

async function shot(name) {
  step += 1;
  await page.screenshot({ path: join(shots, `${tag}-${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
}

const result = { requests, consoleErrors, networkErrors };
const timeout = plan.timeoutMs ?? 600000;
try {
  const hash = plan.mode === "nojs" ? "" : `#root=${encodeURIComponent(plan.root)}&lang=${plan.lang ?? "en"}`;
  await page.goto(`${plan.url}/${hash}`);
  if (plan.mode === "nojs") {
    await shot("no-javascript");
    result.text = await page.locator("body").innerText();
    result.forms = await page.locator("form, input, textarea").count();
  } else if (plan.mode === "load") {
    // For the benchmark: how long until the page is usable (keyring verified), and what a
    // codename's key derivation costs in this browser (a wrong codename: derive, then "no case").
    await page.waitForSelector("#keyring-status.good", { timeout: 60000 });
    result.interactiveMs = await page.evaluate(() => performance.now());
    for (const codename of plan.codenames ?? []) {
      await page.fill("#codename-in", codename);
      await page.click("#open-inbox");
      await page.waitForSelector("#inbox .bad", { timeout });
      (result.kdfs ??= []).push(await page.evaluate(() => document.body.dataset.kdf));
    }
  } else if (plan.mode === "refuse") {
    await page.waitForSelector("#keyring-status.bad", { timeout: 30000 });
    result.status = await page.locator("#keyring-status").innerText();
    await page.fill("#surname", "Refused");
    await page.fill("#given_name", "Never");
    await page.click("#send");
    await page.waitForTimeout(1500);
    result.statusAfter = await page.locator("#keyring-status").innerText();
    await shot("keyring-refused");
  } else if (plan.mode === "submit") {
    await page.waitForSelector("#keyring-status.good", { timeout: 30000 });
    result.keyring = await page.locator("#keyring-status").innerText();
    await shot("keyring-verified");
    if (plan.invalidFirst) {
      // A bad date and a missing surname: the page must say so and send nothing.
      await page.fill("#incidents-0-date", "2018-02-30");
      await page.click("#send");
      await page.waitForSelector("#problems li");
      result.problems = await page.locator("#problems li").allInnerTexts();
      await shot("form-problems");
    }
    const f = plan.form;
    for (const [id, v] of Object.entries(f.fields ?? {})) await page.fill(`#${id}`, String(v));
    for (const id of f.checks ?? []) await page.check(`#${id}`);
    for (let i = 0; i < (f.incidents ?? []).length; i++) {
      if (i > 0) await page.click("#add-incident");
      const inc = f.incidents[i];
      await page.selectOption(`#incidents-${i}-event`, inc.event);
      await page.fill(`#incidents-${i}-date`, inc.date);
      for (const k of ["city", "place", "description"]) if (inc[k]) await page.fill(`#incidents-${i}-${k}`, inc[k]);
    }
    if (plan.poa) await page.setInputFiles("#poa", plan.poa);
    if (plan.attachments?.length) await page.setInputFiles("#attachments", plan.attachments);
    await shot("form-filled");
    const t0 = Date.now();
    await page.click("#send");
    await page.waitForSelector("#codename span", { timeout });
    result.codename = (await page.locator("#codename span").allInnerTexts()).join(" ");
    result.kdf = await page.evaluate(() => document.body.dataset.kdf);
    await shot("codename");
    if (plan.onCodename) {
      // Let the test act (e.g. cut the connection) while the upload runs.
      process.stdout.write(JSON.stringify({ event: "codename", codename: result.codename }) + "\n");
    }
    await page.waitForSelector("#sent-ok, #send-failed", { timeout });
    result.seconds = (Date.now() - t0) / 1000;
    const failed = await page.locator("#send-failed").count();
    if (failed) result.error = await page.locator("#send-failed").innerText();
    result.sent = failed ? null : await page.locator("#sent-ok").innerText();
    result.receiptTexts = await page.locator(".receipt").allInnerTexts();
    result.retries = await page.locator(".rate").allInnerTexts();
    await shot("sent");
    // The practice step, as `amanat codename check` does it.
    await page.fill("#practice", result.codename.toUpperCase().split(" ").map((w) => w.slice(0, 4)).join("  "));
    await page.click("#practice-check");
    result.practice = await page.locator("#practice-result").innerText();
    result.practiceOk = (await page.locator("#practice-result.good").count()) === 1;
    // Save every receipt as the person would.
    result.receipts = [];
    const links = page.locator("a.save-receipt");
    for (let i = 0; i < (await links.count()); i++) {
      const [dl] = await Promise.all([page.waitForEvent("download"), links.nth(i).click()]);
      const path = join(plan.receiptDir, dl.suggestedFilename());
      await dl.saveAs(path);
      result.receipts.push(path);
    }
    await page.click("#hide-codename");
    result.hidden = (await page.locator("#codename").count()) === 0;
    await shot("codename-hidden");
  } else if (plan.mode === "inbox") {
    await page.waitForSelector("#keyring-status.good", { timeout: 30000 });
    await page.fill("#codename-in", plan.codename);
    if (plan.attachments?.length) await page.setInputFiles("#more-files", plan.attachments);
    await page.click("#open-inbox");
    await page.waitForSelector("#inbox .reply, #no-replies, #inbox .bad", { timeout });
    if (plan.attachments?.length) await page.waitForSelector("#inbox .receipt, #inbox .bad", { timeout });
    result.status = await page.locator("#case-status").allInnerTexts();
    result.kdf = await page.evaluate(() => document.body.dataset.kdf);
    result.replies = await page.locator("#inbox .reply .text").allInnerTexts();
    result.errors = await page.locator("#inbox .bad").allInnerTexts();
    result.receiptTexts = await page.locator("#inbox .receipt").allInnerTexts();
    await shot("inbox");
  } else if (plan.mode === "withdraw") {
    await page.waitForSelector("#keyring-status.good", { timeout: 30000 });
    await page.fill("#codename-in", plan.codename);
    await page.click("#open-inbox");
    await page.waitForSelector("#withdraw, #inbox .bad", { timeout });
    await page.click("#withdraw");
    result.explained = await page.locator("#withdraw-explain").innerText();
    await shot("withdraw-asked");
    // Cancelling keeps the case; asking again and confirming deletes it.
    await page.click("#withdraw-cancel");
    result.keptAfterCancel = (await page.locator("#withdraw").count()) === 1;
    await page.click("#withdraw");
    await page.click("#withdraw-confirm");
    await page.waitForSelector("#withdrawn, #inbox .bad", { timeout });
    result.withdrawn = await page.locator("#withdrawn").allInnerTexts();
    result.errors = await page.locator("#inbox .bad").allInnerTexts();
    await shot("withdrawn");
  }
  // What the page keeps in browser storage must be nothing at all.
  if (plan.mode !== "nojs")
    result.storage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookies: document.cookie,
      idb: (await indexedDB.databases?.())?.length ?? 0,
      caches: (await caches.keys()).length,
    }));
} catch (e) {
  result.error = String(e?.stack ?? e);
  try {
    await shot("error");
  } catch {}
}
await browser.close();
process.stdout.write(JSON.stringify(result) + "\n");
