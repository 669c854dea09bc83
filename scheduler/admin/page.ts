/**
 * The admin status page served at `/`: static HTML that polls `/stats` and `/members`
 * every 5 seconds, like the original's.
 *
 * @module
 */

/** The page; `{{NAME}}` is replaced by the HTML-escaped framework name. */
const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>etcd-mesos: {{NAME}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
.ok { color: #16794c; } .bad { color: #b3261e; }
</style>
</head>
<body>
<h1>etcd-mesos: {{NAME}}</h1>
<p id="health">loading...</p>
<table id="stats"></table>
<table id="members"><thead><tr><th>name</th><th>host</th><th>peer</th><th>client</th>
<th>raft index</th><th>term</th><th>role</th><th>healthy</th></tr></thead><tbody></tbody></table>
<script>
function cell(row, text) { const td = row.insertCell(); td.textContent = String(text); }
async function refresh() {
  try {
    const stats = await (await fetch("stats")).json();
    const h = document.getElementById("health");
    h.textContent = stats.healthy ? "cluster is healthy" : "cluster not healthy";
    h.className = stats.healthy ? "ok" : "bad";
    const t = document.getElementById("stats");
    t.textContent = "";
    for (const [k, v] of Object.entries(stats)) { const r = t.insertRow(); cell(r, k); cell(r, v); }
    const members = await (await fetch("members")).json();
    const body = document.querySelector("#members tbody");
    body.textContent = "";
    for (const m of members) {
      const r = body.insertRow();
      cell(r, m.name); cell(r, m.host); cell(r, m.rpcPort); cell(r, m.clientPort);
      cell(r, m.raftIndex ?? ""); cell(r, m.raftTerm ?? "");
      cell(r, m.leader ? "leader" : m.learner ? "learner" : "follower"); cell(r, m.healthy ? "yes" : "no");
    }
  } catch (e) {
    document.getElementById("health").textContent = "scheduler unreachable: " + e;
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
