// The CustomerTrack dashboard. Every value is inserted with textContent (customer data is untrusted); styles are set
// through the CSSOM only, so the strict Content-Security-Policy holds. One EventSource carries every snapshot.
"use strict";

const $ = (id) => document.getElementById(id);
const STATUS_KEYS = ["landingPending", "lakeObjects", "lakePending", "filesLoaded", "filesFailed", "rowsLoaded", "rowsRejected",
  "ledgerRows", "streamOffset", "streamLag", "customers", "versions", "taskRuns", "tiesTotal", "lastTaskRunAt"];

// A status key as people read it: "streamLag" -> "stream lag".
function words(key) {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

function cell(tag, text, attrs) {
  const e = document.createElement(tag);
  e.textContent = text === null || text === undefined ? "NULL" : String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function fillTable(table, rows, attrsOf) {
  const body = table.tBodies[0];
  const fresh = document.createElement("tbody");
  rows.forEach((r, i) => {
    const tr = document.createElement("tr");
    for (const [k, v] of Object.entries((attrsOf && attrsOf(r, i)) || {})) tr.setAttribute(k, v);
    r.forEach((v) => tr.appendChild(cell("td", v)));
    fresh.appendChild(tr);
  });
  table.replaceChild(fresh, body);
}

function col(result, name) { return result.columns.findIndex((c) => c.name === name); }
function iso(text) { return text ? text.replace(" ", "T") + "Z" : text; }
function minuteIso(epoch) { return new Date(Number(epoch) * 1000).toISOString().slice(0, 16) + "Z"; }

// ---- charts (uPlot), each with a table twin above or below it
const charts = {};
// The last hour, so that a few points do not stretch the time axis over years.
const lastHour = () => { const now = Date.now() / 1000; return [now - 3600, now + 60]; };
function chart(id, series, data, opts) {
  const el = $(id);
  const width = Math.max(320, el.clientWidth || 800);
  if (!charts[id]) {
    const base = { width, height: 200, series: [{}].concat(series), scales: { x: { time: true, range: lastHour } },
      axes: [{}, { size: 70 }] };
    charts[id] = new uPlot(Object.assign(base, opts || {}), data, el);
  } else {
    charts[id].setData(data);
  }
  el.setAttribute("data-points", String(data[0].length));
}

// ---- flow
const STAGES = ["generator", "landing", "ingest", "lake", "load", "stream", "tasks", "tables"];
function renderFlow(s) {
  const diagram = $("flow-diagram");
  const fresh = document.createElement("div");
  fresh.className = "flow";
  fresh.id = "flow-diagram";
  fresh.setAttribute("aria-hidden", "true");
  const queues = Object.fromEntries(s.queues.map((q) => [q.from, q]));
  s.nodes.forEach((n, i) => {
    const box = document.createElement("div");
    box.className = "node" + (n.errors > 0 ? " has-errors" : "");
    box.setAttribute("data-stage", n.id);
    box.appendChild(cell("strong", n.id));
    if (n.files !== null) box.appendChild(cell("span", n.files + " files"));
    if (n.rowsOut !== null) box.appendChild(cell("span", n.rowsOut + " rows out"));
    if (n.errors > 0) box.appendChild(cell("span", n.errors + " errors", { class: "errors" }));
    box.appendChild(cell("small", n.note));
    fresh.appendChild(box);
    if (i < s.nodes.length - 1) {
      const q = queues[n.id];
      const edge = document.createElement("div");
      edge.className = "edge " + (q ? q.state : "ok");
      edge.appendChild(cell("span", "→"));
      if (q) edge.appendChild(cell("small", q.depth + (q.oldestAgeSeconds !== null ? " · " + q.oldestAgeSeconds + " s" : "")));
      fresh.appendChild(edge);
    }
  });
  diagram.replaceWith(fresh);

  fillTable($("flow-table"), s.nodes.map((n) => [n.id, n.files ?? "", n.rowsIn ?? "", n.rowsOut ?? "", n.errors, n.note]),
    (r) => ({ "data-stage": r[0] }));
  fillTable($("queue-table"), s.queues.map((q) => [q.from + " → " + q.to, q.depth, q.oldestAgeSeconds ?? "", q.state]),
    (r, i) => ({ "data-queue": s.queues[i].from, "class": s.queues[i].state }));
  fillTable($("status-table"), STATUS_KEYS.map((k) => [words(k), s.status[k] ?? ""]), (r, i) => ({ "data-key": STATUS_KEYS[i] }));
  const perTable = Object.entries(s.tableStatus);
  fillTable($("table-status-table"), perTable.map(([k, v]) => [words(k), v]), (r, i) => ({ "data-key": perTable[i][0] }));
}

// ---- freshness and throughput
function renderFreshness(f) {
  const m = col(f, "minute"), p50 = col(f, "p50_ms"), p95 = col(f, "p95_ms"), p99 = col(f, "p99_ms"), n = col(f, "files");
  const xs = f.rows.map((r) => Number(r[m]));
  chart("freshness-chart", [
    { label: "p50 ms", stroke: "#2b8a3e" }, { label: "p95 ms", stroke: "#e67700" }, { label: "p99 ms", stroke: "#c92a2a" },
    { label: "1 s target", stroke: "#495057", dash: [6, 4] },
  ], [xs, f.rows.map((r) => Number(r[p50])), f.rows.map((r) => Number(r[p95])), f.rows.map((r) => Number(r[p99])), xs.map(() => 1000)]);
  fillTable($("freshness-table"), f.rows.map((r) => [minuteIso(r[m]), r[n], r[p50], r[p95], r[p99]]));
}

function renderThroughput(t) {
  const m = col(t, "minute"), st = col(t, "stage"), v = col(t, "rows_per_minute");
  const byMinute = new Map();
  t.rows.forEach((r) => {
    const k = Number(r[m]);
    if (!byMinute.has(k)) byMinute.set(k, { landed: 0, loaded: 0, applied: 0 });
    byMinute.get(k)[r[st]] = Number(r[v]) / 60;
  });
  const xs = [...byMinute.keys()].sort((a, b) => a - b);
  const get = (k) => xs.map((x) => Math.round(byMinute.get(x)[k] * 10) / 10);
  chart("throughput-chart", [
    { label: "landed rows/s", stroke: "#1971c2" }, { label: "loaded rows/s", stroke: "#2b8a3e" }, { label: "applied rows/s", stroke: "#9c36b5" },
  ], [xs, get("landed"), get("loaded"), get("applied")]);
  fillTable($("throughput-table"), xs.map((x, i) => [minuteIso(x), get("landed")[i], get("loaded")[i], get("applied")[i]]));
}

// ---- load history, rejects on click
let lastLoads = null;
function renderLoads(loads) {
  lastLoads = loads || lastLoads;
  if (!lastLoads) return;
  const l = lastLoads, want = $("load-status").value;
  const idx = ["file_name", "status", "rows_in_file", "rows_loaded", "rows_rejected", "landed_at", "loaded_at", "load_ms", "first_error"].map((c) => col(l, c));
  const key = col(l, "file_key"), status = col(l, "status");
  const rows = l.rows.filter((r) => !want || r[status] === want);
  fillTable($("loads-table"), rows.map((r) => idx.map((i, j) => (j === 5 || j === 6) ? iso(r[i]) : (j === 8 ? r[i] ?? "" : r[i]))),
    (r, i) => ({ "data-file": rows[i][key], "data-status": rows[i][status], "tabindex": "0", "class": "status-" + rows[i][status] }));
}

async function showRejects(fileKey) {
  const res = await fetch("/api/rejects?file=" + encodeURIComponent(fileKey));
  const body = await res.json();
  $("rejects").hidden = false;
  $("rejects-file").textContent = fileKey;
  if (!res.ok) { fillTable($("rejects-table"), [[body.error, "", "", ""]]); return; }
  fillTable($("rejects-table"), body.rows);
}

// ---- task runs
function renderTasks(t) {
  const c = (n) => col(t, n);
  const rows = t.rows.map((r) => [r[c("run_id")], r[c("kind")], iso(r[c("finished_at")]), "(" + r[c("from_seq")] + ", " + r[c("to_seq")] + "]",
    r[c("rows_read")], r[c("customers")], r[c("versions")], r[c("ties")], r[c("duration_ms")]]);
  fillTable($("tasks-table"), rows, (r) => ({ "data-run": String(r[0]) }));
  const ordered = [...t.rows].reverse();
  chart("tasks-chart", [{ label: "duration ms", stroke: "#5f3dc4" }, { label: "rows", stroke: "#868e96", scale: "rows" }],
    [ordered.map((r) => Date.parse(iso(r[c("finished_at")])) / 1000), ordered.map((r) => Number(r[c("duration_ms")])), ordered.map((r) => Number(r[c("rows_read")]))],
    { scales: { x: { time: true, range: (u, min, max) => [min - 30, max + 30] } }, axes: [{}, { label: "ms", size: 70 }, { side: 1, scale: "rows", label: "rows", size: 70 }] });
}

// ---- entity timeline
// One input per key column: a one-column key takes a bare value, a composite key column=value pairs.
function keyInputs(table) {
  const box = $("entity-keys");
  box.replaceChildren();
  table.key.forEach((name, i) => {
    const label = document.createElement("label");
    label.appendChild(document.createTextNode(name + " "));
    const input = document.createElement("input");
    input.type = "search";
    input.autocomplete = "off";
    input.name = name;
    input.className = "entity-key";
    if (i === 0) input.id = "entity-key";
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") showEntity(); });
    label.appendChild(input);
    box.appendChild(label);
  });
}

async function showEntity() {
  const inputs = [...document.querySelectorAll("#entity-keys input")];
  if (inputs.some((i) => !i.value.trim())) return;
  const keys = inputs.length === 1 ? [inputs[0].value.trim()] : inputs.map((i) => i.name + "=" + i.value.trim());
  const asOf = $("entity-asof").value.trim();
  const res = await fetch("/api/entity?table=" + encodeURIComponent(currentTable.name) + keys.map((k) => "&key=" + encodeURIComponent(k)).join("")
    + (asOf ? "&asOf=" + encodeURIComponent(asOf) : ""));
  const body = await res.json();
  const timeline = $("entity-timeline");
  timeline.replaceChildren();
  if (!res.ok) { $("entity-note").textContent = body.error; fillTable($("entity-table"), []); return; }
  const v = body.versions;
  $("entity-note").textContent = body.note || (v.rows.length + " version(s)" + (body.asOf ? ", as of " + body.asOf + " highlighted" : ""));
  const head = $("entity-table").tHead.rows[0];
  head.replaceChildren(...v.columns.map((c) => cell("th", c.name)));
  const s = col(v, "start_time"), e = col(v, "end_time");
  const at = body.asOf ? Date.parse(iso(body.asOf)) : null;
  const starts = v.rows.map((r) => Date.parse(iso(r[s])));
  const ends = v.rows.map((r) => r[e].startsWith("9999") ? null : Date.parse(iso(r[e])));
  // From the first version to the last change (or the as-of moment), with room after it for the open version.
  const lo = Math.min(...starts), last = Math.max(...starts, ...ends.filter((x) => x !== null), at || 0);
  const hi = last + Math.max(3600e3, (last - lo) * 0.15), span = Math.max(1, hi - lo);
  v.rows.forEach((r, i) => {
    const bar = document.createElement("div");
    const holds = at !== null && starts[i] <= at && (ends[i] === null || at < ends[i]);
    bar.className = "version" + (holds ? " as-of" : "") + (ends[i] === null ? " open" : "");
    bar.style.left = ((starts[i] - lo) / span * 100) + "%";
    bar.style.width = Math.max(0.5, ((ends[i] ?? hi) - starts[i]) / span * 100) + "%";
    bar.title = iso(r[s]) + " → " + (ends[i] === null ? "open" : iso(r[e]));
    bar.textContent = String(i + 1);
    timeline.appendChild(bar);
  });
  fillTable($("entity-table"), v.rows, (r, i) => {
    const holds = at !== null && starts[i] <= at && (ends[i] === null || at < ends[i]);
    return holds ? { "class": "as-of", "data-as-of": "true" } : {};
  });
}

// ---- the stream
function render(s) {
  $("table-name").textContent = s.table;
  $("snapshot-at").textContent = s.at;
  $("source").textContent = s.status.source;
  renderFlow(s);
  renderFreshness(s.freshness);
  renderThroughput(s.throughput);
  renderLoads(s.loads);
  renderTasks(s.tasks);
  document.body.setAttribute("data-snapshot-at", s.at);
}

// The table shown: picked in the header, kept in the address (?table=) so a reload stays on it.
let currentTable = null;
let events = null;

function connect() {
  if (events) events.close();
  events = new EventSource("/api/events?table=" + encodeURIComponent(currentTable.name));
  events.addEventListener("open", () => { $("connection").textContent = "live"; $("connection").className = "live"; });
  events.addEventListener("error", () => { $("connection").textContent = "reconnecting…"; $("connection").className = "down"; });
  events.addEventListener("snapshot", (e) => {
    const s = JSON.parse(e.data);
    if (s.table === currentTable.name) render(s);
  });
}

function pick(table) {
  currentTable = table;
  $("table-picker").value = table.name;
  document.body.removeAttribute("data-snapshot-at");
  document.body.setAttribute("data-table", table.name);
  keyInputs(table);
  $("entity-note").textContent = "";
  $("entity-timeline").replaceChildren();
  fillTable($("entity-table"), []);
  $("rejects").hidden = true;
  lastLoads = null;
  const url = new URL(location.href);
  url.searchParams.set("table", table.name);
  history.replaceState(null, "", url);
  connect();
}

async function loadTables() {
  const tables = await (await fetch("/api/tables")).json();
  const picker = $("table-picker");
  picker.replaceChildren(...tables.map((t) => cell("option", t.name, { value: t.name })));
  $("table-picker-label").hidden = tables.length < 2;
  picker.addEventListener("change", () => pick(tables.find((t) => t.name === picker.value)));
  const wanted = new URL(location.href).searchParams.get("table");
  pick(tables.find((t) => t.name === wanted) || tables[0]);
}

document.addEventListener("DOMContentLoaded", () => {
  $("load-status").addEventListener("change", () => renderLoads(null));
  $("loads-table").addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-file]");
    if (tr) showRejects(tr.getAttribute("data-file"));
  });
  $("loads-table").addEventListener("keydown", (e) => {
    const tr = e.target.closest("tr[data-file]");
    if (tr && e.key === "Enter") showRejects(tr.getAttribute("data-file"));
  });
  $("entity-go").addEventListener("click", showEntity);
  $("entity-asof").addEventListener("keydown", (e) => { if (e.key === "Enter") showEntity(); });
  loadTables();
});
