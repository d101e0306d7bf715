// The submission page: the person chooses a language, checks the foundation's keyring
// against the root fingerprint, fills in the appeal form, attaches files, and the page
// encrypts and sends everything as the CLI does (flows.ts). Coming back with a codename
// reads replies and adds documents. The DOM is built with textContent only, never HTML.

import messages from "virtual:messages";
import { sha256 } from "@noble/hashes/sha2.js";
import { Api, ApiError } from "./api.js";
import * as F from "./form.js";
import * as flows from "./flows.js";
import * as P from "./protocol.js";

type Lang = "kk" | "ru" | "en";
const LANGS: [Lang, string][] = [
  ["kk", "Қазақша"],
  ["ru", "Русский"],
  ["en", "English"],
];

let lang: Lang = initialLang();
const api = new Api(location.origin);
let keyring: P.Keyring | null = null;
let root: Uint8Array | null = null;

function initialLang(): Lang {
  const q = new URLSearchParams(location.hash.slice(1)).get("lang");
  if (q === "kk" || q === "ru" || q === "en") return q;
  const nav = (navigator.language || "en").slice(0, 2);
  return nav === "kk" || nav === "ru" ? (nav as Lang) : "en";
}

/** A message in the chosen language, with `{ $name }` placeables filled in. */
export function t(key: string, args: Record<string, string | number> = {}): string {
  const m: Record<string, string> = (messages as any)[lang]?.[key] ?? (messages as any).en[key] ?? key;
  return String(m).replace(/\{\s*\$([a-z_-]+)\s*\}/g, (_, k) => String(args[k] ?? ""));
}

type Child = Node | string | null | undefined | false;
function h(tag: string, attrs: Record<string, any> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

// ---------------------------------------------------------------- the worker

class PageWorker implements flows.Worker2 {
  private w = new Worker("worker.js");
  private next = 1;
  private waiting = new Map<number, { ok: (v: any) => void; err: (e: any) => void; progress?: (n: number) => void }>();
  lastKdf = "";
  constructor() {
    this.w.onmessage = (ev) => {
      const m = ev.data;
      const job = this.waiting.get(m.id);
      if (!job) return;
      if ("progress" in m) return job.progress?.(m.progress);
      this.waiting.delete(m.id);
      if (m.error) job.err(new Error(m.error));
      else {
        // Which Argon2id ran and how long it took: for the tests and benchmarks, not secret.
        if (m.engine) document.body.dataset.kdf = this.lastKdf = `${m.engine} ${Math.round(m.ms)} ms`;
        job.ok(m.result);
      }
    };
  }
  private run(msg: any, progress?: (n: number) => void): Promise<any> {
    const id = this.next++;
    return new Promise((ok, err) => {
      this.waiting.set(id, { ok, err, progress });
      this.w.postMessage({ ...msg, id });
    });
  }
  pow(purpose: string, seed: Uint8Array, bits: number) {
    busy(t("web-preparing"));
    return this.run({ type: "pow", purpose, seed, bits }).finally(() => busy(null));
  }
  kdf(password: Uint8Array, salt: Uint8Array, memKib: number, passes: number) {
    busy(t("web-deriving"));
    return this.run({ type: "kdf", password, salt, m: memKib, t: passes }).finally(() => busy(null));
  }
}
const worker = new PageWorker();

async function deriveKeys(codename: string): Promise<P.CaseKeys> {
  // Salted with the keyring's lineage, so a codename from before a root rotation still works.
  const salt = keyring?.codenameRoot ?? root!;
  return P.deriveCaseKeys(codename, salt, (pw, s, m, t) => worker.kdf(pw, s, m, t));
}

// ---------------------------------------------------------------- page state

const app = document.getElementById("app")!;
let statusLine: HTMLElement;

function busy(text: string | null) {
  const el = document.getElementById("busy");
  if (!el) return;
  el.textContent = text ?? "";
  el.hidden = text === null;
}

function explain(e: unknown): string {
  if (e instanceof P.ProtocolError) {
    const key = `web-error-${e.code.replace(/_/g, "-")}`;
    const msg = t(key);
    return msg === key ? t("web-error-generic", { detail: e.message }) : msg;
  }
  if (e instanceof ApiError) {
    if (e.code === "network") return t("web-error-network");
    return t("web-error-server", { detail: e.message });
  }
  return t("web-error-generic", { detail: String((e as Error)?.message ?? e) });
}

function render() {
  document.documentElement.lang = lang;
  document.title = t("web-title");
  app.replaceChildren(
    h("header", {},
      h("h1", { text: t("web-title") }),
      h("nav", { "aria-label": t("web-language") },
        ...LANGS.map(([code, name]) =>
          h("button", { type: "button", lang: code, class: code === lang ? "lang on" : "lang", "aria-pressed": String(code === lang), "data-lang": code, onclick: () => switchLang(code), text: name }),
        ),
      ),
    ),
    h("p", { class: "lead", text: t("web-intro") }),
    rootSection(),
    h("div", { id: "busy", role: "status", "aria-live": "polite", hidden: true }),
    formSection(),
    returnSection(),
  );
}

function switchLang(code: Lang) {
  // Keep what was typed: read the form before redrawing, write it back after.
  const saved = readInputs();
  lang = code;
  render();
  writeInputs(saved);
}

function readInputs(): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  app.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>("input,textarea,select").forEach((el) => {
    if (!el.id || (el as HTMLInputElement).type === "file") return;
    out[el.id] = (el as HTMLInputElement).type === "checkbox" ? (el as HTMLInputElement).checked : el.value;
  });
  out["#incidents"] = String(document.querySelectorAll(".incident").length);
  return out;
}

function writeInputs(saved: Record<string, string | boolean>) {
  const n = Number(saved["#incidents"] ?? 0);
  for (let i = document.querySelectorAll(".incident").length; i < n; i++) addIncident();
  for (const [id, v] of Object.entries(saved)) {
    const el = document.getElementById(id) as HTMLInputElement | null;
    if (!el) continue;
    if (el.type === "checkbox") el.checked = Boolean(v);
    else el.value = String(v);
  }
}

// ---------------------------------------------------------------- the foundation's keyring

function rootSection(): HTMLElement {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("root") ?? "";
  statusLine = h("p", { id: "keyring-status", role: "status", "aria-live": "polite" });
  if (keyring && root) showKeyring();
  return h("section", { id: "foundation" },
    h("h2", { text: t("web-foundation") }),
    h("p", { class: "hint", text: t("web-root-hint") }),
    h("label", { for: "root", text: t("web-root") }),
    h("div", { class: "row" },
      h("input", { id: "root", name: "root", autocomplete: "off", spellcheck: "false", value: root ? P.formatFingerprint(root) : fromLink, placeholder: "XXXX-XXXX-…" }),
      h("button", { type: "button", id: "check-root", onclick: () => { keyring = null; void checkKeyring(); }, text: t("web-check") }),
    ),
    statusLine,
  );
}

async function checkKeyring(): Promise<boolean> {
  const input = document.getElementById("root") as HTMLInputElement;
  statusLine.className = "";
  try {
    root = P.parseFingerprint(input.value);
    statusLine.textContent = t("web-checking");
    keyring = await flows.fetchKeyring(api, root);
    showKeyring();
    return true;
  } catch (e) {
    keyring = null;
    statusLine.className = "bad";
    statusLine.textContent = t("web-keyring-refused", { reason: explain(e) });
    return false;
  }
}

function showKeyring() {
  const names = P.reviewers(keyring!).map((r) => r.name).join(", ");
  statusLine.className = "good";
  const signer = keyring!.signedBy;
  statusLine.textContent =
    signer && root && !P.equalBytes(signer, root)
      ? t("web-keyring-rotated", { root: P.formatFingerprint(signer), version: keyring!.version, reviewers: names })
      : t("web-keyring-ok", { version: keyring!.version, reviewers: names });
}

// ---------------------------------------------------------------- the form

function field(id: string, label: string, opts: { optional?: boolean; type?: string; multiline?: boolean; inputmode?: string } = {}): HTMLElement {
  const input = opts.multiline
    ? h("textarea", { id, name: id, rows: 6, "aria-describedby": `${id}-problem` })
    : h("input", { id, name: id, type: opts.type ?? "text", autocomplete: "off", inputmode: opts.inputmode, "aria-describedby": `${id}-problem` });
  return h("div", { class: "field" },
    h("label", { for: id }, label, opts.optional ? h("span", { class: "opt", text: ` ${t("wizard-optional")}` }) : null),
    input,
    h("p", { class: "problem", id: `${id}-problem`, "aria-live": "polite" }),
  );
}

function check(id: string, label: string): HTMLElement {
  return h("div", { class: "check" }, h("input", { type: "checkbox", id, name: id }), h("label", { for: id, text: label }));
}

function addIncident() {
  const list = document.getElementById("incidents")!;
  const i = list.children.length;
  const at = (n: string) => `incidents-${i}-${n}`;
  const select = h("select", { id: at("event"), name: at("event"), "aria-describedby": `${at("event")}-problem` },
    ...F.EVENTS.map((ev) => h("option", { value: ev, text: t(`event-${ev}`) })));
  list.append(
    h("fieldset", { class: "incident" },
      h("legend", { text: `${t("section-incidents")} ${i + 1}` }),
      h("div", { class: "field" }, h("label", { for: at("event"), text: t("field-event") }), select, h("p", { class: "problem", id: `${at("event")}-problem` })),
      field(at("date"), t("field-date"), { inputmode: "numeric" }),
      field(at("city"), t("field-incident-city"), { optional: true }),
      field(at("place"), t("field-place"), { optional: true }),
      field(at("description"), t("field-description"), { multiline: true }),
    ),
  );
}

function formSection(): HTMLElement {
  const s = h("section", { id: "submit" },
    h("h2", { text: t("web-new-case") }),
    h("p", { class: "hint", text: t("web-nothing-stored") }),
    h("fieldset", {},
      h("legend", { text: t("section-identity") }),
      field("surname", t("field-surname")),
      field("given_name", t("field-given-name")),
      field("patronymic", t("field-patronymic"), { optional: true }),
      field("age", t("field-age"), { optional: true, inputmode: "numeric" }),
      field("city", t("field-city"), { optional: true }),
      field("occupation", t("field-occupation"), { optional: true }),
    ),
    h("div", { id: "incidents" }),
    h("button", { type: "button", id: "add-incident", onclick: addIncident, text: t("web-add-incident") }),
    h("fieldset", {},
      h("legend", { text: t("section-consent") }),
      check("publish_name", t("field-publish-name")),
      check("publish_age", t("field-publish-age")),
      check("publish_city", t("field-publish-city")),
      check("publish_occupation", t("field-publish-occupation")),
    ),
    h("fieldset", {},
      h("legend", { text: t("web-documents") }),
      h("label", { for: "poa", text: t("web-poa") }),
      h("input", { type: "file", id: "poa", name: "poa" }),
      h("label", { for: "attachments", text: t("web-attachments") }),
      h("input", { type: "file", id: "attachments", name: "attachments", multiple: true }),
    ),
    h("div", { id: "problems", role: "alert" }),
    h("button", { type: "button", id: "send", class: "primary", onclick: () => void submit(), text: t("web-send") }),
    h("div", { id: "codename-box" }),
    h("div", { id: "progress" }),
    h("div", { id: "receipts" }),
  );
  queueMicrotask(() => {
    if (document.querySelectorAll(".incident").length === 0) addIncident();
  });
  return s;
}

function value(id: string): string {
  return (document.getElementById(id) as HTMLInputElement | null)?.value ?? "";
}
function checked(id: string): boolean {
  return (document.getElementById(id) as HTMLInputElement | null)?.checked ?? false;
}

function readForm(): F.FormInput {
  const incidents: F.IncidentInput[] = [];
  document.querySelectorAll(".incident").forEach((_, i) => {
    const at = (n: string) => value(`incidents-${i}-${n}`);
    // An incident left entirely empty (no date, no text) is not sent.
    if (at("date").trim() === "" && at("description").trim() === "" && at("city").trim() === "" && at("place").trim() === "") return;
    incidents.push({ event: at("event"), date: at("date"), city: at("city"), place: at("place"), description: at("description") });
  });
  return {
    language: lang,
    surname: value("surname"),
    given_name: value("given_name"),
    patronymic: value("patronymic"),
    age: value("age"),
    city: value("city"),
    occupation: value("occupation"),
    incidents,
    consent: {
      publish_name: checked("publish_name"),
      publish_age: checked("publish_age"),
      publish_city: checked("publish_city"),
      publish_occupation: checked("publish_occupation"),
    },
  };
}

function showProblems(problems: F.Problem[]) {
  app.querySelectorAll(".problem").forEach((p) => (p.textContent = ""));
  app.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const box = document.getElementById("problems")!;
  box.replaceChildren();
  if (problems.length === 0) return;
  box.append(h("p", { text: t("web-form-problems") }));
  const list = h("ul");
  for (const p of problems) {
    const msg = t(p.key, p.args);
    const slot = document.getElementById(`${p.field}-problem`);
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${msg}` : msg;
    document.getElementById(p.field)?.setAttribute("aria-invalid", "true");
    const label = document.querySelector(`label[for="${p.field}"]`)?.textContent ?? p.field;
    list.append(h("li", {}, h("a", { href: `#${p.field}`, onclick: (e: Event) => { e.preventDefault(); document.getElementById(p.field)?.focus(); }, text: `${label}: ${msg}` })));
  }
  box.append(list);
  (document.getElementById(problems[0].field) as HTMLElement | null)?.focus();
}

const MEDIA: Record<string, string> = {
  pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", heic: "image/heic",
  mp4: "video/mp4", mov: "video/quicktime", json: "application/json", txt: "text/plain",
};
function mediaType(name: string): string {
  return MEDIA[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}

interface Outgoing {
  meta: P.DocumentMeta;
  stream: () => ReadableStream<Uint8Array>;
  label: string;
}

function outgoingFiles(): Outgoing[] {
  const out: Outgoing[] = [];
  const poa = (document.getElementById("poa") as HTMLInputElement).files;
  const more = (document.getElementById("attachments") as HTMLInputElement).files;
  const add = (f: File, kind: P.DocumentMeta["kind"]) =>
    out.push({ meta: { kind, name: f.name, media_type: mediaType(f.name), length: f.size }, stream: () => f.stream() as ReadableStream<Uint8Array>, label: f.name });
  if (poa && poa[0]) add(poa[0], "power-of-attorney");
  if (more) for (const f of Array.from(more)) add(f, "attachment");
  return out;
}

function fmtBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function progressRow(label: string): flows.Progress {
  const bar = h("progress", { max: 1, value: 0 }) as HTMLProgressElement;
  const info = h("span", { class: "rate" });
  document.getElementById("progress")!.append(h("div", { class: "file" }, h("span", { class: "name", text: label }), bar, info));
  const t0 = performance.now();
  return (p) => {
    if (p.phase === "wait") {
      info.textContent = t("web-retrying", { seconds: p.waitSeconds ?? 0 });
      return;
    }
    if (p.total) {
      bar.max = p.total;
      bar.value = p.sent ?? 0;
      const secs = (performance.now() - t0) / 1000;
      const rate = (p.sent ?? 0) / Math.max(secs, 0.001);
      const eta = rate > 0 ? Math.round((p.total - (p.sent ?? 0)) / rate) : 0;
      info.textContent = t("web-rate", { done: fmtBytes(p.sent ?? 0), total: fmtBytes(p.total), rate: fmtBytes(rate), eta });
    }
  };
}

let sending = false;

async function submit() {
  if (sending) return;
  const form = readForm();
  const problems = F.check(form);
  const files = outgoingFiles();
  // A person may send only a power of attorney; anything typed into the form sends the form.
  const typed = [form.surname, form.given_name, form.patronymic, form.age, form.city, form.occupation];
  const hasForm = typed.some((v) => v.trim() !== "") || form.incidents.length > 0;
  const needed = hasForm || files.length === 0;
  showProblems(needed ? problems : []);
  if (needed && problems.length) return;
  if (!keyring && !(await checkKeyring())) {
    document.getElementById("root")?.focus();
    return;
  }
  sending = true;
  const button = document.getElementById("send") as HTMLButtonElement;
  button.disabled = true;
  const receipts = document.getElementById("receipts")!;
  try {
    // Check the keyring again right before encrypting to it.
    keyring = await flows.fetchKeyring(api, root!, keyring!.version);
    const codename = P.generateCodename();
    const keys = await deriveKeys(codename);
    const caseId = await flows.openCase(api, worker, keyring, keys);
    showCodename(codename);
    await flows.signIn(api, worker, keys);
    const log = P.logKeyOf(keyring);
    const docs: Outgoing[] = [];
    if (hasForm) {
      const json = P.utf8(F.toJson(form));
      docs.push({ meta: { kind: "appeal-form", name: "appeal-form.json", media_type: "application/json", length: json.length }, stream: () => new Blob([json as BlobPart]).stream() as ReadableStream<Uint8Array>, label: t("web-the-form") });
    }
    docs.push(...files);
    for (const d of docs) {
      const sent = await flows.sendDocument(api, caseId, keys, d.meta, d.stream(), log, progressRow(d.label));
      receipts.append(receiptRow(d.label, sent));
    }
    receipts.prepend(h("p", { class: "good", id: "sent-ok", text: t("web-sent", { count: docs.length }) }));
  } catch (e) {
    receipts.append(h("p", { class: "bad", id: "send-failed", text: explain(e) }));
  } finally {
    sending = false;
    button.disabled = false;
    api.token = null;
  }
}

function receiptRow(label: string, sent: flows.Sent): HTMLElement {
  const row = h("div", { class: "receipt" }, h("span", { text: `${label}: ` }),
    h("span", { class: sent.receiptChecked ? "good" : "warn", text: sent.receiptChecked ? t("web-receipt-ok") : t("web-receipt-none") }));
  if (sent.info.receipt) {
    const url = URL.createObjectURL(new Blob([sent.info.receipt], { type: "text/plain" }));
    row.append(" ", h("a", { href: url, download: `${sent.info.kind}-${sent.info.document_id}.tlog-proof`, class: "save-receipt", text: t("web-save-receipt") }));
  }
  return row;
}

function showCodename(codename: string) {
  const box = document.getElementById("codename-box")!;
  const words = codename.split(" ");
  const practice = h("input", { id: "practice", autocomplete: "off", spellcheck: "false" }) as HTMLInputElement;
  const verdict = h("p", { id: "practice-result", role: "status" });
  box.replaceChildren(
    h("div", { class: "codename" },
      h("h2", { text: t("web-codename-title") }),
      h("p", { text: t("web-codename-once") }),
      h("p", { class: "words", id: "codename" }, ...words.map((w) => h("span", { text: w }))),
      h("label", { for: "practice", text: t("web-practice") }),
      practice,
      h("button", { type: "button", id: "practice-check", onclick: () => {
        try {
          const typed = P.parseCodename(practice.value);
          verdict.className = typed === codename ? "good" : "bad";
          verdict.textContent = typed === codename ? t("web-practice-ok") : t("web-practice-other");
        } catch (e) {
          verdict.className = "bad";
          verdict.textContent = e instanceof P.ProtocolError && e.code === "bad_codename_word" ? t("web-practice-word", { n: e.message }) : t("web-practice-other");
        }
        practice.value = "";
      }, text: t("web-check") }),
      verdict,
      h("button", { type: "button", id: "hide-codename", onclick: () => box.replaceChildren(h("p", { text: t("web-codename-hidden") })), text: t("web-codename-hide") }),
    ),
  );
}

// ---------------------------------------------------------------- coming back

function returnSection(): HTMLElement {
  const out = h("div", { id: "inbox" });
  return h("section", { id: "return" },
    h("h2", { text: t("web-return") }),
    h("p", { class: "hint", text: t("web-return-hint") }),
    h("label", { for: "codename-in", text: t("web-codename") }),
    h("input", { id: "codename-in", type: "password", autocomplete: "off", spellcheck: "false" }),
    h("label", { for: "more-files", text: t("web-add-files") }),
    h("input", { type: "file", id: "more-files", multiple: true }),
    h("button", { type: "button", id: "open-inbox", onclick: () => void openInbox(out), text: t("web-open-inbox") }),
    out,
  );
}

/** "Withdraw my case": one button, then what it means and a second, explicit confirmation. */
function withdrawal(session: Api, caseId: string, keys: P.CaseKeys): HTMLElement {
  const box = h("div", { class: "withdrawal" });
  const ask = () => {
    box.replaceChildren(
      h("p", { class: "warn", id: "withdraw-explain", text: t("web-withdraw-explain") }),
      h("button", { type: "button", id: "withdraw-confirm", onclick: () => void confirm(), text: t("web-withdraw-confirm") }),
      h("button", { type: "button", id: "withdraw-cancel", onclick: () => start(), text: t("web-withdraw-cancel") }),
    );
    (document.getElementById("withdraw-cancel") as HTMLButtonElement | null)?.focus();
  };
  const start = () => box.replaceChildren(h("button", { type: "button", id: "withdraw", onclick: ask, text: t("web-withdraw") }));
  const confirm = async () => {
    box.replaceChildren();
    try {
      const done = await flows.withdraw(session, caseId, keys, P.logKeyOf(keyring!));
      box.append(h("p", { class: "good", id: "withdrawn", text: t("web-withdrawn", { count: done.documents, index: done.index ?? "?" }) }));
    } catch (e) {
      box.append(h("p", { class: "bad", text: explain(e) }));
    }
  };
  start();
  return box;
}

async function openInbox(out: HTMLElement) {
  const input = document.getElementById("codename-in") as HTMLInputElement;
  out.replaceChildren();
  let codename: string;
  try {
    codename = P.parseCodename(input.value);
  } catch (e) {
    out.append(h("p", { class: "bad", text: e instanceof P.ProtocolError && e.code === "bad_codename_word" ? t("web-practice-word", { n: e.message }) : t("web-codename-bad") }));
    return;
  }
  input.value = "";
  if (!keyring && !(await checkKeyring())) return;
  const session = new Api(api.base);
  try {
    const keys = await deriveKeys(codename);
    try {
      await flows.signIn(session, worker, keys);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        out.append(h("p", { class: "bad", text: t("web-no-such-case") }));
        return;
      }
      throw e;
    }
    const mine = await flows.readReplies(session, keys);
    out.append(h("p", { id: "case-status", text: t("web-case-status", { status: mine.status, count: mine.documents.length }) }));
    if (mine.replies.length === 0) out.append(h("p", { id: "no-replies", text: t("web-no-replies") }));
    for (const r of mine.replies)
      out.append(h("blockquote", { class: "reply" }, h("p", { class: "when", text: new Date(r.receivedAt * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC" }), h("p", { class: "text", text: r.text })));
    const more = (document.getElementById("more-files") as HTMLInputElement).files;
    if (more && more.length) {
      const log = P.logKeyOf(keyring!);
      for (const f of Array.from(more)) {
        const meta: P.DocumentMeta = { kind: "attachment", name: f.name, media_type: mediaType(f.name), length: f.size };
        const sent = await flows.sendDocument(session, mine.caseId, keys, meta, f.stream() as ReadableStream<Uint8Array>, log, progressRow(f.name));
        out.append(receiptRow(f.name, sent));
      }
    }
    // Last, after the replies: the one action that cannot be undone.
    out.append(withdrawal(session, mine.caseId, keys));
  } catch (e) {
    out.append(h("p", { class: "bad", text: explain(e) }));
  }
}

// ---------------------------------------------------------------- start

async function footer() {
  const f = document.getElementById("manifest");
  if (!f) return;
  try {
    const res = await fetch("manifest.json", { cache: "no-store" });
    const bytes = new Uint8Array(await res.arrayBuffer());
    f.textContent = `${t("web-manifest")} ${P.hex(sha256(bytes))}`;
  } catch {
    f.textContent = "";
  }
}

document.getElementById("nojs")?.remove();
render();
// A link from the foundation may carry the fingerprint (#root=…): check it at once.
if ((document.getElementById("root") as HTMLInputElement).value) void checkKeyring();
void footer();
