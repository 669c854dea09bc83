/**
 * The admin status page served at `/`: one static HTML document whose inline script (no
 * library, no CDN) fetches `/stats`, `/members`, `/events` and the two SVG charts every 5
 * seconds and renders
 *
 * - the health line and the scheduler's counters,
 * - the members table: role, health, task state, raft index, db size and in-use size,
 * - the raft index and db size charts over the last hour (SVG drawn by the scheduler),
 * - the events timeline, newest first.
 *
 * URLs are relative, so the page works behind a path-prefixing proxy.
 *
 * @module
 */

/** The page; `{{NAME}}` is replaced by the HTML-escaped framework name. */
const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>etcd-mesos: {{NAME}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; background: #fafafa; }
h1 { font-size: 1.4em; margin: 0 0 0.3em; }
h2 { font-size: 1.1em; margin: 1.4em 0 0.4em; }
#health { font-weight: bold; padding: 0.4em 0.7em; border-radius: 4px; display: inline-block; }
#health.ok { background: #e3f4ea; color: #16794c; } #health.bad { background: #fbe6e4; color: #b3261e; }
#updated { color: #777; font-size: 0.85em; margin-left: 1em; }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.dot { display: inline-block; width: 0.7em; height: 0.7em; border-radius: 50%; margin-right: 0.4em; }
.dot.up { background: #16794c; } .dot.down { background: #b3261e; }
.role-leader { font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.chart-box { background: #fff; border: 1px solid #ddd; padding: 0.3em; min-width: 640px; min-height: 220px; }
#events { list-style: none; padding: 0; margin: 0; max-width: 60em; }
#events li { background: #fff; border-left: 4px solid #999; margin: 0.25em 0; padding: 0.3em 0.6em; }
#events li[data-kind^="reseed"], #events li[data-kind="cluster.lost"], #events li[data-kind^="stuck"] { border-color: #b3261e; }
#events li[data-kind="kill"], #events li[data-kind="remove"], #events li[data-kind^="nospace"] { border-color: #e08a00; }
#events li[data-kind="launch"], #events li[data-kind="relaunch"], #events li[data-kind="add"], #events li[data-kind="promote"] { border-color: #1f77b4; }
#events li[data-kind^="rolling-restart"] { border-color: #6a3d9a; }
#events li[data-kind="rolling-restart.failed"] { border-color: #b3261e; }
#rolling.bad { color: #b3261e; font-weight: bold; }
#events time { color: #777; font-size: 0.85em; margin-right: 0.6em; }
#events .kind { font-family: monospace; font-weight: bold; margin-right: 0.6em; }
#events .member { font-weight: bold; }
details { margin-top: 1.4em; }
</style>
</head>
<body>
<h1>etcd-mesos: {{NAME}}</h1>
<p><span id="health">loading…</span><span id="updated"></span></p>
<p id="rolling" hidden></p>
<h2>Members</h2>
<table id="members"><thead><tr><th>member</th><th>host</th><th>role</th><th>health</th>
<th>task</th><th>raft index</th><th>db size</th><th>in use</th></tr></thead><tbody></tbody></table>
<h2>Last hour</h2>
<div class="charts"><div class="chart-box" id="chart-raft"></div><div class="chart-box" id="chart-db"></div></div>
<h2>Events</h2>
<ol id="events"></ol>
<details><summary>Counters</summary><table id="stats"></table></details>
<script>
"use strict";
function bytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? String(v) : v.toFixed(1)) + " " + units[i];
}
function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}
async function get(path, as) {
  const res = await fetch(path, { cache: "no-store" });
  if (!res.ok) throw new Error(path + ": HTTP " + res.status);
  return as === "text" ? res.text() : res.json();
}
function renderStats(stats) {
  const h = document.getElementById("health");
  h.textContent = stats.leader === 0 ? "standby scheduler"
    : stats.healthy ? "cluster is healthy" : "cluster not healthy";
  h.className = stats.healthy || stats.leader === 0 ? "ok" : "bad";
  const rolling = document.getElementById("rolling");
  rolling.hidden = !stats.rolling_restart && !stats.rolling_restart_failed;
  rolling.className = stats.rolling_restart ? "" : "bad";
  rolling.textContent = stats.rolling_restart
    ? "rolling restart in progress: " + stats.rolling_restart_done + " member(s) restarted"
    : "the last rolling restart FAILED: see /healthz and /rolling-restart";
  const t = document.getElementById("stats");
  t.textContent = "";
  for (const [k, v] of Object.entries(stats)) { const r = t.insertRow(); cell(r, k); cell(r, v, "num"); }
}
function renderMembers(members) {
  const body = document.querySelector("#members tbody");
  body.textContent = "";
  for (const m of members) {
    const r = body.insertRow();
    r.dataset.member = m.name;
    const role = m.leader ? "leader" : m.learner ? "learner" : "follower";
    r.className = "role-" + role;
    cell(r, m.name); cell(r, m.host + ":" + m.clientPort); cell(r, role, "role");
    const health = cell(r, m.healthy ? "healthy" : "unreachable", "health");
    const dot = document.createElement("span");
    dot.className = "dot " + (m.healthy ? "up" : "down");
    health.prepend(dot);
    cell(r, m.taskState); cell(r, m.raftIndex, "num raft");
    cell(r, bytes(m.dbSize), "num db"); cell(r, bytes(m.dbSizeInUse), "num inuse");
  }
}
function renderEvents(events) {
  const list = document.getElementById("events");
  list.textContent = "";
  for (const e of events.slice().reverse()) {
    const li = document.createElement("li");
    li.className = "event";
    li.dataset.kind = e.kind;
    li.dataset.seq = String(e.seq);
    const time = document.createElement("time");
    time.dateTime = e.time;
    time.textContent = new Date(e.at).toLocaleString();
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = e.kind;
    const reason = document.createElement("span");
    reason.className = "reason";
    reason.textContent = e.reason;
    li.append(time, kind);
    if (e.fields && e.fields.member) {
      const member = document.createElement("span");
      member.className = "member";
      member.textContent = e.fields.member + ": ";
      li.append(member);
    }
    li.append(reason);
    list.append(li);
  }
  if (events.length === 0) {
    const li = document.createElement("li");
    li.textContent = "no events yet";
    list.append(li);
  }
}
async function refresh() {
  try {
    const [stats, members, events, raft, db] = await Promise.all([
      get("stats"), get("members"), get("events?limit=100"),
      get("charts/raft-index.svg", "text"), get("charts/db-size.svg", "text"),
    ]);
    renderStats(stats);
    renderMembers(members);
    renderEvents(events);
    document.getElementById("chart-raft").innerHTML = raft;
    document.getElementById("chart-db").innerHTML = db;
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  } catch (e) {
    const h = document.getElementById("health");
    h.textContent = "scheduler unreachable: " + e.message;
    h.className = "bad";
  }
}
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The status page for framework `name`. */
export function statusPage(name: string): string {
  return TEMPLATE.replaceAll("{{NAME}}", escapeHtml(name));
}
