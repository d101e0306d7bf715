// The staff workspace page. It only shows what `amanat staff ui` (this computer) sends it and
// sends back what the reviewer decides; keys and decryption stay in that process. The DOM is
// built with textContent only, so nothing a complainant wrote can become markup here.

let S = {}; // interface strings, in the chosen language
let statuses = [];
let state = null;
let list = { rows: [], reviewers: [] };
let view = { name: "cases", sort: "received_at", desc: true, selected: new Set(), matches: null };
const filters = { q: "", status: "", assignee: "", city: "", event: "", label: "", missingPoa: false, notAck: false };

const $ = (id) => document.getElementById(id);
// Fluent placeholders arrive unfilled (`{$done}`); the page fills them.
const t = (key, args) =>
  (S[key] ?? key).replace(/\{\s*\$(\w+)\s*\}/g, (m, name) => (args && name in args ? String(args[name]) : m));

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

class Refused extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error;
  }
}

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (r.status === 204) return null;
  const json = await r.json().catch(() => null);
  if (!r.ok) {
    if (r.status === 423) showLocked();
    throw new Refused(r.status, json);
  }
  return json;
}

function notice(text) {
  $("notice").textContent = text ?? "";
}

function alertBox(text, action) {
  const a = $("alert");
  a.replaceChildren();
  if (!text) {
    a.hidden = true;
    return;
  }
  a.append(el("span", { text }));
  if (action) a.append(" ", el("button", { type: "button", text: action.label, onclick: action.run }));
  a.hidden = false;
}

function translateStatic() {
  document.documentElement.lang = state.lang;
  document.title = t("ui-title");
  $("title").textContent = t("ui-title");
  for (const e of document.querySelectorAll("[data-s]")) e.textContent = t(e.dataset.s);
  $("lang").value = state.lang;
}

async function loadState() {
  state = await call("GET", "/api/state");
  S = state.strings;
  statuses = state.statuses;
  translateStatic();
}

// ---------------------------------------------------------------------------------------
// Locked: the page keeps nothing decrypted.

function wipe() {
  list = { rows: [], reviewers: [] };
  view.selected.clear();
  view.matches = null;
  $("main").replaceChildren();
}

function showLocked() {
  if (view.name === "locked") return;
  wipe();
  view.name = "locked";
  $("tools").hidden = true;
  alertBox(null);
  notice("");
  const pass = el("input", { type: "password", id: "passphrase", autocomplete: "current-password", required: true });
  const err = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    {
      class: "unlock",
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await call("POST", "/api/unlock", { passphrase: pass.value });
          pass.value = "";
          view.name = "cases";
          start();
        } catch (e) {
          err.textContent = e.message;
          pass.select();
        }
      },
    },
    el("h2", { text: t("ui-locked-title") }),
    el("p", { text: t("ui-locked-text") }),
    el("label", { for: "passphrase", text: t("ui-passphrase") }),
    pass,
    el("button", { type: "submit", text: t("ui-unlock") }),
    err,
  );
  $("main").replaceChildren(form);
  pass.focus();
}

// The server locks on its own after the idle time; the page notices within seconds.
setInterval(async () => {
  if (view.name === "locked") return;
  try {
    const s = await fetch("/api/state").then((r) => r.json());
    if (s.locked) showLocked();
  } catch {
    /* the workspace process stopped; the next action will say so */
  }
}, 2000);

// ---------------------------------------------------------------------------------------
// The case list.

function docBadges(r) {
  const b = [];
  b.push(el("span", { class: r.form ? "badge ok" : "badge missing", text: t(r.form_error ? "ui-doc-unreadable" : r.form ? "ui-doc-form" : "ui-doc-no-form") }));
  b.push(el("span", { class: r.poa ? "badge ok" : "badge missing", text: r.poa ? t("ui-doc-poa") : t("ui-doc-no-poa") }));
  if (r.ack) b.push(el("span", { class: r.ack === "accepted" ? "badge ok" : "badge warn", text: t(r.ack === "accepted" ? "ui-doc-acknowledged" : "ui-doc-rejected") }));
  return b;
}

function shown() {
  let rows = list.rows.filter((r) => {
    if (filters.status && r.status !== filters.status) return false;
    if (filters.assignee === "-" ? r.assignee : filters.assignee && r.assignee !== filters.assignee) return false;
    if (filters.city && r.city !== filters.city) return false;
    if (filters.event && !r.events.includes(filters.event)) return false;
    if (filters.label && !r.labels.includes(filters.label)) return false;
    if (filters.missingPoa && r.poa) return false;
    if (filters.notAck && (!r.poa || r.ack)) return false;
    if (view.matches && !view.matches.has(r.id)) return false;
    return true;
  });
  const k = view.sort;
  rows.sort((a, b) => {
    const x = a[k] ?? "";
    const y = b[k] ?? "";
    const c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), state.lang);
    return view.desc ? -c : c;
  });
  return rows;
}

function select(id, label, options, value, onchange) {
  return el(
    "label",
    {},
    el("span", { text: label }),
    el("select", { id, onchange: (e) => onchange(e.target.value) }, options.map(([v, l]) => el("option", { value: v, text: l, selected: v === value }))),
  );
}

function distinct(values) {
  return [...new Set(values.filter(Boolean))].sort((a, b) => a.localeCompare(b, state.lang));
}

function renderList() {
  view.name = "cases";
  const rows = shown();
  const any = ["", t("ui-filter-any")];
  const search = el("input", {
    type: "search",
    id: "search",
    value: filters.q,
    placeholder: t("ui-search"),
    "aria-label": t("ui-search"),
    onkeydown: async (e) => {
      if (e.key !== "Enter") return;
      filters.q = e.target.value.trim();
      view.matches = filters.q ? new Set((await call("GET", `/api/search?q=${encodeURIComponent(filters.q)}`)).ids) : null;
      renderList();
      $("search").focus();
    },
  });
  const bar = el(
    "div",
    { class: "filters" },
    search,
    select("f-status", t("ui-filter-status"), [any, ...statuses.map((s) => [s, t(`ui-status-${s}`)])], filters.status, (v) => { filters.status = v; renderList(); }),
    select("f-assignee", t("ui-filter-assignee"), [any, ["-", t("ui-filter-unassigned")], ...list.reviewers.map(([id, name]) => [id, name])], filters.assignee, (v) => { filters.assignee = v; renderList(); }),
    select("f-city", t("ui-filter-city"), [any, ...distinct(list.rows.map((r) => r.city)).map((c) => [c, c])], filters.city, (v) => { filters.city = v; renderList(); }),
    select("f-event", t("ui-filter-event"), [any, ...distinct(list.rows.flatMap((r) => r.events)).map((e) => [e, e])], filters.event, (v) => { filters.event = v; renderList(); }),
    select("f-label", t("ui-filter-label"), [any, ...distinct(list.rows.flatMap((r) => r.labels)).map((l) => [l, l])], filters.label, (v) => { filters.label = v; renderList(); }),
    el("label", { class: "check" }, el("input", { type: "checkbox", id: "f-missing-poa", checked: filters.missingPoa, onchange: (e) => { filters.missingPoa = e.target.checked; renderList(); } }), t("ui-filter-missing-poa")),
    el("label", { class: "check" }, el("input", { type: "checkbox", id: "f-not-ack", checked: filters.notAck, onchange: (e) => { filters.notAck = e.target.checked; renderList(); } }), t("ui-filter-not-acknowledged")),
    el("button", { type: "button", id: "reload", text: t("ui-reload"), onclick: () => loadList(true) }),
  );
  const head = (key, label) =>
    el("th", { scope: "col", "aria-sort": view.sort === key ? (view.desc ? "descending" : "ascending") : null },
      el("button", { type: "button", class: "sort", text: label + (view.sort === key ? (view.desc ? " ↓" : " ↑") : ""), onclick: () => {
        view.desc = view.sort === key ? !view.desc : false;
        view.sort = key;
        renderList();
      } }));
  const table = el(
    "table",
    { id: "cases" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, el("input", { type: "checkbox", id: "select-all", "aria-label": t("ui-select-all"), checked: rows.length > 0 && rows.every((r) => view.selected.has(r.id)), onchange: (e) => {
        for (const r of rows) e.target.checked ? view.selected.add(r.id) : view.selected.delete(r.id);
        renderList();
      } })),
      head("id", t("ui-col-case")), head("name", t("ui-col-name")), head("status", t("ui-col-status")),
      head("assignee", t("ui-col-assignee")), head("received_at", t("ui-col-received")),
      el("th", { scope: "col", text: t("ui-col-documents") }), head("city", t("ui-col-city")), el("th", { scope: "col", text: t("ui-col-event") }),
    )),
    el("tbody", {}, rows.map((r) =>
      el("tr", { "data-case": r.id, tabindex: 0, onkeydown: rowKeys, ondblclick: () => openCase(r.id) },
        el("td", {}, el("input", { type: "checkbox", class: "pick", "aria-label": r.id, checked: view.selected.has(r.id), onchange: (e) => { e.target.checked ? view.selected.add(r.id) : view.selected.delete(r.id); } })),
        el("td", {}, el("a", { href: `#case/${r.id}`, class: "case-link", text: r.id.slice(0, 8), onclick: (e) => { e.preventDefault(); openCase(r.id); } })),
        el("td", {}, r.name, r.labels.map((l) => el("span", { class: "badge label", text: l }))), el("td", { text: t(`ui-status-${r.status}`) }), el("td", { text: r.assignee ?? "" }),
        el("td", { text: r.received }), el("td", {}, docBadges(r)), el("td", { text: r.city }), el("td", { text: r.events.join("; ") }),
      ))),
  );
  const colleague = el("select", { id: "rekey-to" }, list.reviewers.filter(([rid]) => rid !== state.staff).map(([rid, name]) => el("option", { value: rid, text: `${name} (${rid})` })));
  const batch = el("div", { class: "batch more" },
    el("button", { type: "button", id: "ack-selected", text: t("ui-ack-selected"), onclick: ackSelected }),
    colleague.options.length ? el("label", {}, el("span", { text: t("ui-rekey") }), colleague) : null,
    colleague.options.length ? el("button", { type: "button", id: "rekey", text: t("ui-share-button"), onclick: async () => {
      try {
        const r = await call("POST", "/api/rekey", { to: colleague.value });
        notice(t("ui-rekey-done", { shared: r.shared }));
      } catch (e) {
        alertBox(e.message);
      }
    } }) : null);
  $("main").replaceChildren(
    el("h2", { text: t("ui-cases") }),
    bar,
    el("p", { id: "count", text: t("ui-count", { shown: rows.length, total: list.rows.length }) }),
    el("div", { class: "scroll" }, table),
    batch,
  );
}

function rowKeys(e) {
  const row = e.currentTarget;
  if (e.key === "Enter") openCase(row.dataset.case);
  else if (e.key === "ArrowDown" || e.key === "j") { e.preventDefault(); row.nextElementSibling?.focus(); }
  else if (e.key === "ArrowUp" || e.key === "k") { e.preventDefault(); row.previousElementSibling?.focus(); }
  else if (e.key === " ") { e.preventDefault(); const box = row.querySelector(".pick"); box.checked = !box.checked; box.dispatchEvent(new Event("change")); }
}

document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
  if (e.key === "/" && view.name === "cases") { e.preventDefault(); $("search")?.focus(); }
  if (e.key === "Escape" && view.name !== "cases" && view.name !== "locked") { e.preventDefault(); renderList(); }
});

async function loadList(refresh) {
  notice(t("ui-loading"));
  try {
    list = await call("GET", `/api/cases${refresh ? "?refresh=true" : ""}`);
    notice("");
    alertBox(null);
    if (view.name !== "locked") renderList();
  } catch (e) {
    notice("");
    if (e.status !== 423) alertBox(e.message);
  }
}

async function ackSelected() {
  const cases = [...view.selected].filter((id) => list.rows.find((r) => r.id === id)?.poa);
  if (cases.length === 0) return;
  notice(t("ui-loading"));
  try {
    const { results } = await call("POST", "/api/ack-batch", { cases });
    const failed = results.filter((r) => !r.ok);
    view.selected.clear();
    await loadList(false);
    notice(t("ui-ack-done", { done: results.length - failed.length, failed: failed.length }));
    if (failed.length) alertBox(failed.map((f) => `${f.case.slice(0, 8)}: ${f.message}`).join(" · "));
  } catch (e) {
    notice("");
    alertBox(e.message);
  }
}

// ---------------------------------------------------------------------------------------
// One case.

function section(title, ...content) {
  return el("section", {}, el("h3", { text: title }), ...content);
}

function preview(c, d, holder) {
  const src = `/api/cases/${c.id}/documents/${d.id}`;
  const type = (d.media_type ?? "").split(";")[0];
  let node;
  if (type.startsWith("image/")) node = el("img", { src, alt: d.name ?? d.kind });
  else if (type.startsWith("video/")) node = el("video", { src, controls: true });
  else if (type === "application/pdf") node = el("iframe", { src, title: d.name ?? d.kind });
  else if (type === "text/plain" || type === "application/json") {
    node = el("pre", { text: t("ui-loading") });
    fetch(src).then((r) => r.text()).then((text) => { node.textContent = text; });
  } else node = el("a", { href: src, download: "", text: d.name ?? d.kind });
  holder.replaceChildren(node);
}

async function openCase(id) {
  notice(t("ui-loading"));
  try {
    const c = await call("GET", `/api/cases/${id}`);
    notice("");
    alertBox(null);
    renderCase(c);
  } catch (e) {
    notice("");
    if (e.status !== 423) alertBox(e.message);
  }
}

function conflictOr(e, id) {
  if (e.status === 409) alertBox(e.message, { label: t("ui-conflict-reload"), run: () => openCase(id) });
  else if (e.status !== 423) alertBox(e.message);
}

function renderCase(c) {
  view.name = "case";
  const status = el("select", { id: "status" }, statuses.map((s) => el("option", { value: s, text: t(`ui-status-${s}`), selected: s === c.status })));
  const assignee = el("select", { id: "assignee" }, el("option", { value: "", text: t("ui-filter-unassigned") }),
    list.reviewers.map(([rid, name]) => el("option", { value: rid, text: `${name} (${rid})`, selected: rid === c.assignee })));
  const save = (path, body) => async () => {
    try {
      const r = await call("POST", `/api/cases/${c.id}/${path}`, { ...body(), version: c.version });
      c.version = r.version;
      notice(t("ui-done"));
      alertBox(null);
      const row = list.rows.find((x) => x.id === c.id);
      if (row) Object.assign(row, path === "status" ? { status: r.status } : { assignee: r.assignee }, { version: r.version });
    } catch (e) {
      conflictOr(e, c.id);
    }
  };
  const decide = el("div", { class: "decide" },
    el("label", {}, el("span", { text: t("ui-status") }), status),
    el("button", { type: "button", id: "save-status", text: t("ui-save"), onclick: save("status", () => ({ status: status.value })) }),
    el("label", {}, el("span", { text: t("ui-assignee") }), assignee),
    el("button", { type: "button", id: "save-assignee", text: t("ui-save"), onclick: save("assignee", () => ({ assignee: assignee.value || null })) }),
  );

  const labels = el("input", { type: "text", id: "labels", value: c.labels.join(", "), "aria-label": t("ui-labels") });
  const labelBox = el("div", { class: "write" }, el("label", { for: "labels", text: t("ui-labels") }), labels,
    el("button", { type: "button", id: "save-labels", text: t("ui-save"), onclick: async () => {
      try {
        const r = await call("POST", `/api/cases/${c.id}/labels`, { labels: labels.value.split(",") });
        labels.value = r.labels.join(", ");
        const row = list.rows.find((x) => x.id === c.id);
        if (row) row.labels = r.labels;
        notice(t("ui-done"));
      } catch (e) {
        conflictOr(e, c.id);
      }
    } }));
  const form = c.form
    ? c.form.map((s) => el("table", { class: "form" }, s.title ? el("caption", { text: s.title }) : null,
        el("tbody", {}, s.rows.map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: k }), el("td", { text: v }))))))
    : [el("p", { text: t("ui-no-form") })];

  const docs = c.documents.map((d) => {
    const holder = el("div", { class: "preview" });
    const item = el("li", { "data-doc": d.id },
      el("strong", { text: t(`ui-kind-${d.kind}`) }), " ", d.name ? el("span", { text: d.name }) : null,
      el("span", { class: "meta", text: ` · ${d.size} · ${d.received}` }));
    if (d.labels_note) return null;
    if (d.not_for_you) item.append(el("p", { class: "meta", text: t("ui-not-for-you") }));
    else if (d.text !== undefined) item.append(el("pre", { class: "text", text: d.text }));
    else if (!d.preview) item.append(el("p", { class: "meta", text: t("ui-too-large") }));
    else if (d.kind !== "appeal-form") item.append(" ", el("button", { type: "button", class: "show", text: t("ui-preview"), onclick: () => preview(c, d, holder) }));
    if (d.kind === "power-of-attorney") {
      const verdict = list.rows.find((x) => x.id === c.id)?.ack;
      if (verdict) item.append(" ", el("span", { class: verdict === "accepted" ? "badge ok" : "badge warn", text: t(verdict === "accepted" ? "ui-doc-acknowledged" : "ui-doc-rejected") }));
      const reason = el("input", { type: "number", min: 1, max: 65535, class: "reason", "aria-label": t("ui-reject") });
      const ack = async (reject) => {
        try {
          const r = await call("POST", `/api/cases/${c.id}/ack`, { document: d.id, reject });
          notice(t("ui-logged", { index: r.index }));
          const row = list.rows.find((x) => x.id === c.id);
          if (row) row.ack = reject ? "rejected" : "accepted";
        } catch (e) {
          conflictOr(e, c.id);
        }
      };
      item.append(el("div", { class: "ack" }, el("span", { text: t("ui-ack") }),
        el("button", { type: "button", class: "accept", text: t("ui-accept"), onclick: () => ack(undefined) }),
        el("label", {}, el("span", { text: t("ui-reject") }), reason),
        el("button", { type: "button", class: "reject", text: "✕", "aria-label": t("ui-reject"), onclick: () => reason.value && ack(Number(reason.value)) })));
    }
    item.append(holder);
    return item;
  });

  const textBox = (kind, label, button) => {
    const area = el("textarea", { id: `text-${kind}`, rows: 4, maxlength: 262144 });
    return el("div", { class: "write" }, el("label", { for: `text-${kind}`, text: label }), area,
      el("button", { type: "button", id: `send-${kind}`, text: button, onclick: async () => {
        if (!area.value.trim()) return;
        try {
          await call("POST", `/api/cases/${c.id}/text/${kind}`, { text: area.value });
          area.value = "";
          await openCase(c.id);
          notice(t("ui-done"));
        } catch (e) {
          conflictOr(e, c.id);
        }
      } }));
  };

  const shareTo = el("select", { id: "share-to" }, list.reviewers.filter(([rid]) => rid !== state.staff).map(([rid, name]) => el("option", { value: rid, text: `${name} (${rid})` })));
  const folder = el("input", { type: "text", id: "folder", placeholder: "/home/…/case", "aria-label": t("ui-folder") });
  const more = el("div", { class: "more" },
    shareTo.options.length ? el("label", {}, el("span", { text: t("ui-share") }), shareTo) : null,
    shareTo.options.length ? el("button", { type: "button", id: "share", text: t("ui-share-button"), onclick: async () => {
      try { await call("POST", `/api/cases/${c.id}/share`, { to: shareTo.value }); notice(t("ui-done")); } catch (e) { conflictOr(e, c.id); }
    } }) : null,
    el("label", {}, el("span", { text: t("ui-folder") }), folder),
    el("button", { type: "button", id: "download", text: t("ui-download"), onclick: async () => {
      try { await call("POST", `/api/cases/${c.id}/download`, { folder: folder.value }); notice(t("ui-downloaded", { dir: folder.value })); } catch (e) { alertBox(e.message); }
    } }),
  );

  $("main").replaceChildren(
    el("p", {}, el("button", { type: "button", id: "back", text: `← ${t("ui-back")}`, onclick: renderList })),
    el("h2", { id: "case-title", text: `${t("ui-col-case")} ${c.id}` }),
    el("p", { class: "meta", text: `${t("ui-col-received")}: ${c.received}` }),
    decide,
    labelBox,
    section(t("ui-form"), ...form),
    section(t("ui-documents"), el("ul", { class: "docs" }, docs)),
    textBox("note", t("ui-note"), t("ui-send-note")),
    textBox("reply", t("ui-reply"), t("ui-send-reply")),
    more,
    section(t("ui-activity"), el("ul", { class: "activity" }, c.activity.map((a) => el("li", { text: `${a.at} · ${a.actor} · ${a.detail}` })))),
  );
  $("back").focus();
}

// ---------------------------------------------------------------------------------------
// The annex.

function renderReport() {
  view.name = "report";
  const folder = el("input", { type: "text", id: "report-folder", placeholder: "/home/…/annex", "aria-label": t("ui-folder") });
  $("main").replaceChildren(
    el("h2", { text: t("ui-report") }),
    el("iframe", { id: "annex", class: "annex", src: `/api/report.html?${Date.now()}`, title: t("ui-report-preview") }),
    el("div", { class: "more" },
      el("label", {}, el("span", { text: t("ui-folder") }), folder),
      el("button", { type: "button", id: "export", text: t("ui-report-export"), onclick: async () => {
        try {
          const r = await call("POST", "/api/report", { folder: folder.value });
          notice(t("ui-report-written", { files: r.files.join(", ") }));
        } catch (e) {
          alertBox(e.message);
        }
      } })),
  );
}

// ---------------------------------------------------------------------------------------

async function start() {
  await loadState();
  if (state.locked) return showLocked();
  $("tools").hidden = false;
  await loadList(false);
}

$("go-cases").addEventListener("click", () => (list.rows.length ? renderList() : loadList(false)));
$("go-report").addEventListener("click", async () => {
  if (!list.rows.length) await loadList(false);
  renderReport();
});
$("lock").addEventListener("click", async () => {
  await call("POST", "/api/lock").catch(() => {});
  showLocked();
});
$("lang").addEventListener("change", async (e) => {
  await call("POST", "/api/lang", { lang: e.target.value });
  await loadState();
  await loadList(false);
});

start().catch((e) => alertBox(e.message));
