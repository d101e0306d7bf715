// Drives the staff workspace (`amanat staff ui`) in Debian's Chromium for tests/tests/staff_ui.rs,
// which starts the real server and the real `amanat staff ui` processes and checks the results
// with the real CLI. One JSON plan in (argv[2]), one JSON result out (stdout).
//
//   node web/test/staff.mjs '{"mode":"triage","url":"http://127.0.0.1:PORT/login?token=…",
//        "shots":"DIR","folder":"/tmp/annex","reply":"…"}'
// Modes: triage (filters, batch acknowledgement, a reply, the annex), race (two reviewers,
// one status), lock (idle lock wipes the page; unlock with the passphrase).

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const plan = JSON.parse(process.argv[2]);
mkdirSync(plan.shots, { recursive: true });
const tag = plan.tag ?? plan.mode;
let step = 0;

const browser = await chromium.launch({
  executablePath: plan.chromium ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const errors = [];
const pages = [];

async function open(url, viewport) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 900 }, acceptDownloads: false });
  const page = await context.newPage();
  pages.push(page);
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  await page.goto(url);
  return { context, page };
}

async function shot(page, name) {
  step += 1;
  await page.screenshot({ path: join(plan.shots, `${tag}-${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
}

const rows = (page) => page.locator("#cases tbody tr");
const count = async (page) => rows(page).count();
const timeout = plan.timeoutMs ?? 300000;

async function listed(page) {
  await page.locator("#cases").waitFor({ timeout });
}

async function openFirstCase(page, selector) {
  const link = page.locator(`${selector ?? "#cases tbody tr"} .case-link`).first();
  const id = await link.evaluate((a) => a.closest("tr").dataset.case);
  await link.click();
  await page.locator("#case-title").waitFor({ timeout });
  return id;
}

const result = {};
try {
  if (plan.mode === "triage") {
    const { context, page } = await open(plan.url);
    await listed(page);
    result.total = await count(page);
    await shot(page, "list");
    // "Missing power of attorney"
    await page.locator("#f-missing-poa").check();
    result.missingPoa = await count(page);
    result.missingPoaIds = await rows(page).evaluateAll((trs) => trs.map((tr) => tr.dataset.case));
    await shot(page, "missing-poa");
    await page.locator("#f-missing-poa").uncheck();
    // Search, as the CLI does: transliteration-insensitive, over the decrypted forms.
    if (plan.search) {
      await page.locator("#search").fill(plan.search);
      await page.locator("#search").press("Enter");
      await page.waitForFunction(() => document.querySelector("#count"));
      result.searchHits = await rows(page).evaluateAll((trs) => trs.map((tr) => tr.dataset.case));
      await page.locator("#search").fill("");
      await page.locator("#search").press("Enter");
      // The cleared search re-renders the list; wait for all of it before acting on rows,
      // or the next click may land on a table about to be replaced.
      await page.waitForFunction((n) => document.querySelectorAll("#cases tbody tr").length === n, result.total, { timeout });
    }
    // Keyboard: rows take focus and Enter opens one; Escape goes back.
    await rows(page).first().focus();
    await page.keyboard.press("ArrowDown");
    result.focusMoved = await page.evaluate(() => document.activeElement?.matches("#cases tbody tr:nth-child(2)"));
    // Batch: everything with a power of attorney not yet acknowledged.
    await page.locator("#f-not-ack").check();
    await page.waitForFunction((n) => document.querySelectorAll("#cases tbody tr").length < n, result.total, { timeout });
    result.notAcknowledged = await count(page);
    await page.locator("#select-all").check();
    await page.locator("#ack-selected").click();
    await page.waitForFunction(() => /\d/.test(document.querySelector("#notice")?.textContent ?? "") && document.querySelector("#cases"), null, { timeout });
    result.ackNotice = await page.locator("#notice").textContent();
    result.notAcknowledgedAfter = await count(page);
    await shot(page, "acknowledged");
    await page.locator("#f-not-ack").uncheck();
    // One case: the form in the reviewer's language, a reply to the complainant.
    result.caseId = await openFirstCase(page, "#cases tbody tr:has(td > .badge.ok:first-child)");
    result.formRows = await page.locator("table.form tr").count();
    await page.locator("#text-reply").fill(plan.reply);
    await page.locator("#send-reply").click();
    await page.locator(".docs pre.text", { hasText: plan.reply }).waitFor({ timeout });
    await page.locator("#labels").fill(plan.labels.join(", "));
    await page.evaluate(() => { document.querySelector("#notice").textContent = ""; });
    await page.locator("#save-labels").click();
    await page.waitForFunction(() => document.querySelector("#notice")?.textContent, null, { timeout });
    result.labelsSaved = await page.locator("#labels").inputValue();
    await shot(page, "case");
    await page.keyboard.press("Escape");
    await listed(page);
    await page.locator("#f-label").selectOption(plan.labels[0]);
    result.labelled = await rows(page).evaluateAll((trs) => trs.map((tr) => tr.dataset.case));
    await page.locator("#f-label").selectOption("");
    // The annex: previewed, then exported to a folder.
    await page.locator("#go-report").click();
    await page.locator("#annex").waitFor();
    await page.frameLocator("#annex").locator("body").waitFor({ timeout });
    await page.waitForTimeout(500);
    await shot(page, "annex");
    await page.locator("#report-folder").fill(plan.folder);
    await page.locator("#export").click();
    await page.waitForFunction(() => (document.querySelector("#notice")?.textContent ?? "").includes("annex"), null, { timeout });
    result.exportNotice = await page.locator("#notice").textContent();
    // A narrow window still shows the list.
    await page.setViewportSize({ width: 400, height: 800 });
    await page.locator("#go-cases").click();
    await listed(page);
    await shot(page, "narrow");
    result.cookie = (await context.cookies()).find((c) => c.name === "amanat-ui")?.value;
  } else if (plan.mode === "race") {
    const a = await open(plan.urls[0]);
    const b = await open(plan.urls[1]);
    for (const p of [a.page, b.page]) await listed(p);
    const selector = `#cases tbody tr[data-case="${plan.case}"]`;
    await a.page.locator(`${selector} .case-link`).click();
    await b.page.locator(`${selector} .case-link`).click();
    for (const p of [a.page, b.page]) await p.locator("#case-title").waitFor({ timeout });
    await a.page.locator("#status").selectOption("in-review");
    await b.page.locator("#status").selectOption("needs-info");
    await a.page.locator("#save-status").click();
    await a.page.waitForFunction(() => document.querySelector("#notice")?.textContent, null, { timeout });
    await b.page.locator("#save-status").click();
    await b.page.locator("#alert").waitFor({ state: "visible", timeout });
    result.conflict = await b.page.locator("#alert").textContent();
    await shot(b.page, "conflict");
    // "Reload": the case shows what the colleague chose, and a second try goes through.
    await b.page.locator("#alert button").click();
    await b.page.locator("#alert").waitFor({ state: "hidden", timeout });
    result.reloadedStatus = await b.page.locator("#status").inputValue();
    await b.page.locator("#status").selectOption("needs-info");
    await b.page.locator("#save-status").click();
    await b.page.waitForFunction(() => document.querySelector("#alert")?.hidden, null, { timeout });
    result.secondTry = await b.page.locator("#notice").textContent();
    // A colleague who joined later gets every case the reviewer can open, in one go.
    if (plan.colleague) {
      await a.page.locator("#go-cases").click();
      await listed(a.page);
      await a.page.evaluate(() => { document.querySelector("#notice").textContent = ""; });
      await a.page.locator("#rekey-to").selectOption(plan.colleague);
      await a.page.locator("#rekey").click();
      await a.page.waitForFunction(() => /\d/.test(document.querySelector("#notice")?.textContent ?? ""), null, { timeout });
      result.rekeyNotice = await a.page.locator("#notice").textContent();
    }
  } else if (plan.mode === "lock") {
    const { page } = await open(plan.url);
    await listed(page);
    result.caseId = await openFirstCase(page, `#cases tbody tr[data-case="${plan.case}"]`);
    result.sawName = (await page.locator("main").innerText()).includes(plan.name);
    await page.locator("#passphrase").waitFor({ timeout });
    result.lockedText = await page.locator("main").innerText();
    result.nameAfterLock = (await page.content()).includes(plan.name);
    result.apiAfterLock = await page.evaluate(async (id) => (await fetch(`/api/cases/${id}`)).status, result.caseId);
    await shot(page, "locked");
    await page.locator("#passphrase").fill("not the passphrase");
    await page.locator(".unlock button").click();
    await page.locator(".unlock .error", { hasText: /./ }).waitFor({ timeout });
    result.wrongPassphrase = await page.locator(".unlock .error").textContent();
    await page.locator("#passphrase").fill(plan.passphrase);
    await page.locator(".unlock button").click();
    await listed(page);
    result.afterUnlock = await count(page);
  }
} catch (e) {
  result.error = String(e?.stack ?? e);
  for (const p of pages) {
    await shot(p, "error").catch(() => {});
    result.alerts = [...(result.alerts ?? []), await p.locator("#alert").textContent().catch(() => null), await p.locator("#notice").textContent().catch(() => null)];
  }
}
result.consoleErrors = errors;
await browser.close();
console.log(JSON.stringify(result));
