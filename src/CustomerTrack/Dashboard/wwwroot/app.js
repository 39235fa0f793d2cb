// The CustomerTrack dashboard. Every value is inserted with textContent (customer data is untrusted); styles are set
// through the CSSOM only, so the strict Content-Security-Policy holds. One EventSource carries every snapshot.
"use strict";

const $ = (id) => document.getElementById(id);
const STATUS_KEYS = ["landingPending", "lakeObjects", "lakePending", "filesLoaded", "filesFailed", "rowsLoaded", "rowsRejected",
  "ledgerRows", "streamOffset", "streamLag", "keys", "versions", "taskRuns", "tiesTotal", "lastTaskRunAt"];

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
function bucketIso(epoch) { return new Date(Number(epoch) * 1000).toISOString().slice(0, 19) + "Z"; }

// ---- charts (uPlot), each with a table twin above or below it
const charts = {};
// The data's own time range (a one-minute demo fills the chart), a minute wide at least. Taken from the data itself:
// given one point, uPlot would widen the scale by days.
function ownRange(u) {
  const xs = u.data[0];
  if (!xs || xs.length === 0) { const now = Date.now() / 1000; return [now - 60, now]; }
  const min = xs[0], max = xs[xs.length - 1], pad = Math.max(0, 60 - (max - min)) / 2;
  return [min - pad, max + pad];
}
// Time labels in UTC (as the tables), at least 90 px apart; after each drawing the chart records in data-label-gap the
// narrowest space left between two neighbouring labels, so a test can see that none overlaps.
const AXIS_FONT = "12px sans-serif";
function timeLabels(u, splits) {
  const whole = splits.every((v) => v % 60 === 0);
  const labels = splits.map((v) => new Date(v * 1000).toISOString().slice(11, whole ? 16 : 19));
  const ctx = u.ctx;
  ctx.save();
  ctx.font = AXIS_FONT;
  let gap = Infinity;
  for (let i = 1; i < splits.length; i++) {
    const apart = u.valToPos(splits[i], "x") - u.valToPos(splits[i - 1], "x");
    gap = Math.min(gap, apart - (ctx.measureText(labels[i]).width + ctx.measureText(labels[i - 1]).width) / 2);
  }
  ctx.restore();
  const host = u.root.parentElement, xs = u.data[0];
  host.setAttribute("data-label-gap", gap === Infinity ? "none" : String(Math.floor(gap)));
  // The time the axis spans and the data's own first and last time (epoch seconds), for the same reason.
  host.setAttribute("data-x-range", [u.scales.x.min, u.scales.x.max].concat(xs.length ? [xs[0], xs[xs.length - 1]] : []).join(" "));
  return labels;
}
const timeAxis = { space: 90, font: AXIS_FONT, values: timeLabels, label: "UTC", labelSize: 18, labelFont: AXIS_FONT };
// A y axis whose values carry their unit ("1.5 s", "120 rows/s"); the chart records them as drawn in data-axis-N.
function unitLabels(unit) {
  return (u, vals, axis) => {
    const labels = vals.map((v) => v === null ? "" : v.toLocaleString("en") + " " + unit);
    u.root.parentElement.setAttribute("data-axis-" + axis, labels.join("|"));
    return labels;
  };
}
const unitAxis = (unit, extra) => Object.assign({ size: 80, font: AXIS_FONT, labelFont: AXIS_FONT, labelSize: 18, values: unitLabels(unit) }, extra || {});
function chart(id, series, data, opts) {
  const el = $(id);
  const width = Math.max(200, el.clientWidth || 600);
  if (!charts[id]) {
    const base = { width, height: 190, series: [{}].concat(series), scales: { x: { time: true, range: ownRange } }, axes: [timeAxis, {}] };
    charts[id] = new uPlot(Object.assign(base, opts || {}), data, el);
    // Follow the panel's width (a phone turned, a window resized).
    new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - charts[id].width) > 2) charts[id].setSize({ width: w, height: 190 });
    }).observe(el);
  } else {
    charts[id].setData(data);
  }
  el.setAttribute("data-points", String(data[0].length));
  if (data[0].length > 0) {
    el.setAttribute("data-from", String(data[0][0]));
    el.setAttribute("data-to", String(data[0][data[0].length - 1]));
  }
}

// ---- tiles: each table's last update and freshness against the target, as Dagster shows assets
function ago(seconds) {
  if (seconds === null) return "never updated";
  if (seconds < 60) return "updated " + seconds.toFixed(seconds < 10 ? 1 : 0) + " s ago";
  if (seconds < 3600) return "updated " + Math.round(seconds / 60) + " min ago";
  return "updated " + (seconds / 3600).toFixed(1) + " h ago";
}
function renderTiles(s) {
  const list = $("tile-list");
  list.replaceChildren(...s.tiles.map((t) => {
    const li = document.createElement("li");
    li.className = "tile " + t.state + (t.table === s.table ? " shown" : "");
    li.setAttribute("data-table", t.table);
    li.setAttribute("data-state", t.state);
    li.appendChild(cell("strong", t.table));
    li.appendChild(cell("span", ago(t.updatedSecondsAgo), { class: "ago" }));
    li.appendChild(cell("span", (t.p95Seconds === null ? "no file in 5 min" : "p95 " + t.p95Seconds + " s over " + t.files5m + " file(s)")
      + " · target " + t.targetSeconds + " s" + (t.waitingSeconds !== null ? " · oldest waiting " + t.waitingSeconds + " s" : ""), { class: "freshness" }));
    // A snapshot table's deletes by absence: the keys its extracts left out, over the same 5 minutes.
    if (t.deletedByAbsence5m != null) li.appendChild(cell("span", t.deletedByAbsence5m + " deleted by absence in 5 min", { class: "absent" }));
    li.appendChild(cell("span", t.state, { class: "state" }));
    return li;
  }));
  const mine = s.tiles.find((t) => t.table === s.table);
  if (mine) $("target-text").textContent = mine.targetSeconds + " s";
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
function renderFreshness(f, s) {
  const m = col(f, "bucket"), p50 = col(f, "p50_ms"), p95 = col(f, "p95_ms"), p99 = col(f, "p99_ms"), n = col(f, "files");
  const xs = f.rows.map((r) => Number(r[m]));
  const sec = (i) => f.rows.map((r) => Number(r[i]) / 1000);
  const mine = s.tiles.find((t) => t.table === s.table);
  const target = mine ? mine.targetSeconds : 1;
  chart("freshness-chart", [
    { label: "p50", stroke: "#2b8a3e", value: (u, v) => v === null ? "–" : v + " s" },
    { label: "p95", stroke: "#e67700", value: (u, v) => v === null ? "–" : v + " s" },
    { label: "p99", stroke: "#c92a2a", value: (u, v) => v === null ? "–" : v + " s" },
    { label: "target", stroke: "#495057", dash: [6, 4], value: (u, v) => v === null ? "–" : v + " s" },
  ], [xs, sec(p50), sec(p95), sec(p99), xs.map(() => target)], { axes: [timeAxis, unitAxis("s", { label: "landing → visible" })] });
  fillTable($("freshness-table"), f.rows.map((r) => [bucketIso(r[m]), r[n], r[p50], r[p95], r[p99]]));
}

function renderThroughput(t, bucket) {
  const m = col(t, "bucket"), st = col(t, "stage"), v = col(t, "rows_per_bucket");
  const byBucket = new Map();
  t.rows.forEach((r) => {
    const k = Number(r[m]);
    if (!byBucket.has(k)) byBucket.set(k, { landed: 0, loaded: 0, applied: 0 });
    byBucket.get(k)[r[st]] = Number(r[v]) / bucket;
  });
  const xs = [...byBucket.keys()].sort((a, b) => a - b);
  const get = (k) => xs.map((x) => Math.round(byBucket.get(x)[k] * 10) / 10);
  chart("throughput-chart", [
    { label: "landed", stroke: "#1971c2" }, { label: "loaded", stroke: "#2b8a3e" }, { label: "applied", stroke: "#9c36b5" },
  ], [xs, get("landed"), get("loaded"), get("applied")], { axes: [timeAxis, unitAxis("rows/s", { size: 90 })] });
  fillTable($("throughput-table"), xs.map((x, i) => [bucketIso(x), get("landed")[i], get("loaded")[i], get("applied")[i]]));
}

// ---- load history, rejects on click
let lastLoads = null;
function renderLoads(loads) {
  lastLoads = loads || lastLoads;
  if (!lastLoads) return;
  const l = lastLoads, want = $("load-status").value;
  const idx = ["file_name", "status", "rows_in_file", "rows_loaded", "rows_rejected", "absent_deleted", "landed_at", "loaded_at", "load_ms", "first_error"].map((c) => col(l, c));
  const key = col(l, "file_key"), status = col(l, "status");
  const rows = l.rows.filter((r) => !want || r[status] === want);
  fillTable($("loads-table"), rows.map((r) => idx.map((i, j) => (j === 6 || j === 7) ? iso(r[i]) : (j === 5 || j === 9 ? r[i] ?? "" : r[i]))),
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
    r[c("rows_read")], r[c("keys")], r[c("versions")], r[c("ties")], r[c("duration_ms")]]);
  fillTable($("tasks-table"), rows, (r) => ({ "data-run": String(r[0]) }));
  const ordered = [...t.rows].reverse();
  chart("tasks-chart", [{ label: "duration ms", stroke: "#5f3dc4" }, { label: "rows", stroke: "#868e96", scale: "rows" }],
    [ordered.map((r) => Date.parse(iso(r[c("finished_at")])) / 1000), ordered.map((r) => Number(r[c("duration_ms")])), ordered.map((r) => Number(r[c("rows_read")]))],
    { axes: [timeAxis, unitAxis("ms", { label: "duration" }), unitAxis("rows", { side: 1, scale: "rows", label: "rows read", grid: { show: false } })] });
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
  const by = col(v, "deleted_by");
  // By rank: every version the same width (the open one too), so none is a sliver; the axis under them marks when
  // each began, its date and time on two lines, so that labels never run into each other.
  v.rows.forEach((r, i) => {
    const slot = document.createElement("div");
    slot.className = "slot";
    const bar = document.createElement("div");
    const holds = at !== null && starts[i] <= at && (ends[i] === null || at < ends[i]);
    bar.className = "version" + (holds ? " as-of" : "") + (ends[i] === null ? " open" : "");
    bar.title = iso(r[s]) + " → " + (ends[i] === null ? "open" : iso(r[e]));
    bar.textContent = "v" + (i + 1) + (ends[i] === null ? " (open)" : "");
    const tick = document.createElement("div");
    tick.className = "tick";
    const [day, time] = (r[s] || "").split(" ");
    tick.appendChild(cell("div", day));
    tick.appendChild(cell("div", time || ""));
    slot.append(bar, tick);
    // A version a snapshot ended by leaving the key out says so under its start.
    if (r[by]) {
      bar.classList.add("absent");
      bar.title += " · " + r[by];
      slot.appendChild(cell("div", r[by], { class: "absence" }));
    }
    timeline.appendChild(slot);
  });
  fillTable($("entity-table"), v.rows, (r, i) => {
    const holds = at !== null && starts[i] <= at && (ends[i] === null || at < ends[i]);
    const marks = holds ? { "class": "as-of", "data-as-of": "true" } : {};
    return r[by] ? { ...marks, "data-deleted-by": r[by] } : marks;
  });
  // The diff between consecutive versions: each value that differs from the version before, with what it was.
  const changing = body.attributes.map((name) => col(v, name));
  [...$("entity-table").tBodies[0].rows].forEach((tr, i) => {
    if (i === 0) return;
    for (const j of changing) {
      const was = v.rows[i - 1][j];
      if (v.rows[i][j] === was) continue;
      tr.cells[j].classList.add("changed");
      tr.cells[j].title = "was " + (was === null ? "NULL" : was);
    }
  });
}

// ---- the stream
function render(s) {
  $("table-name").textContent = s.table;
  $("snapshot-at").textContent = s.at;
  $("source").textContent = s.status.source;
  renderTiles(s);
  renderFlow(s);
  renderFreshness(s.freshness, s);
  renderThroughput(s.throughput, s.bucketSeconds);
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
  $("tile-list").addEventListener("click", (e) => {
    const tile = e.target.closest("li[data-table]");
    if (tile && tile.getAttribute("data-table") !== currentTable.name) pick(tables.find((t) => t.name === tile.getAttribute("data-table")));
  });
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
