/**
 * The dashboard page: HTML, a style sheet and a script, all served by the dashboard itself (no
 * third-party assets). The script polls `/api/snapshot` and renders it with `textContent` only,
 * so nothing from AWS is ever parsed as HTML.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Greenlight — what runs where</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1><span class="mark">●</span> Greenlight <span class="sub">what runs where</span></h1>
  <div id="meta" class="meta">loading…</div>
</header>
<main>
  <div id="error" class="error" hidden></div>
  <section>
    <h2>Environments</h2>
    <div class="scroll"><table id="matrix" class="matrix"></table></div>
  </section>
  <section class="two">
    <div>
      <h2>Deployments in progress</h2>
      <ul id="progress" class="progress"></ul>
    </div>
    <div>
      <h2>Warnings</h2>
      <ul id="warnings" class="warnings"></ul>
    </div>
  </section>
  <section>
    <h2>Recent releases</h2>
    <div class="scroll"><table id="releases" class="releases"></table></div>
  </section>
</main>
<footer>Read-only · served on 127.0.0.1 by <code>greenlight dashboard</code> · AWS is read with this machine's credentials, which never reach this page</footer>
</body>
</html>
`;

export const PAGE_CSS = `:root {
  --bg: #0f1419; --panel: #172029; --line: #26323d; --text: #e6edf3; --dim: #8b98a5;
  --live: #2ea043; --deploying: #388bfd; --drift: #d29922; --none: #6e7681; --bad: #f85149;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap;
  padding: 18px 28px; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { margin: 0; font-size: 26px; font-weight: 650; letter-spacing: .2px; }
h1 .mark { color: var(--live); }
h1 .sub { color: var(--dim); font-weight: 400; font-size: 18px; margin-left: 8px; }
.meta { color: var(--dim); font-size: 14px; }
main { padding: 8px 28px 28px; }
h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .08em; color: var(--dim); margin: 26px 0 10px; }
.scroll { overflow-x: auto; }
table { border-collapse: separate; border-spacing: 0; width: 100%; }
.matrix th, .matrix td { padding: 12px 14px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.matrix th { font-size: 15px; color: var(--dim); font-weight: 600; }
.matrix th .region { display: block; font-weight: 400; font-size: 12px; }
.matrix td.service { font-weight: 650; font-size: 18px; white-space: nowrap; }
.cell { border-left: 4px solid var(--none); padding-left: 10px; min-width: 180px; }
.cell .version { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.cell .state { display: inline-block; margin-top: 2px; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; color: #0b0f13; background: var(--none); }
.cell .who { color: var(--dim); font-size: 13px; margin-top: 4px; }
.engine { display: inline-block; margin-left: 6px; padding: 0 6px; border: 1px solid var(--line); border-radius: 8px; font-size: 11px; color: var(--dim); vertical-align: 1px; }
.cell.live { border-color: var(--live); } .cell.live .state { background: var(--live); }
.cell.deploying { border-color: var(--deploying); } .cell.deploying .state { background: var(--deploying); }
.cell.drift { border-color: var(--drift); } .cell.drift .state { background: var(--drift); }
.cell.absent { border-color: transparent; color: var(--dim); }
.notdeployed { color: var(--dim); font-style: italic; }
@media (prefers-reduced-motion: no-preference) { .cell.deploying .state { animation: pulse 1.6s ease-in-out infinite; } }
@keyframes pulse { 50% { opacity: .55; } }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 28px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
ul { list-style: none; padding: 0; margin: 0; }
.progress li, .warnings li { padding: 10px 12px; margin-bottom: 8px; background: var(--panel); border-radius: 6px; border-left: 4px solid var(--deploying); }
.warnings li { border-left-color: var(--drift); }
.progress .empty, .warnings .empty { border-left-color: var(--line); color: var(--dim); }
.releases th, .releases td { padding: 8px 12px; border-bottom: 1px solid var(--line); text-align: left; font-size: 14px; }
.releases th { color: var(--dim); font-weight: 600; }
.releases td.msg { max-width: 420px; }
.releases tr.live td:first-child::before { content: "● "; color: var(--live); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.error { margin-top: 18px; padding: 12px 14px; border-radius: 6px; background: #3b1219; border: 1px solid var(--bad); white-space: pre-wrap; }
footer { color: var(--dim); font-size: 12px; padding: 0 28px 24px; }
`;

export const PAGE_JS = `"use strict";
(function () {
  var refreshMs = 30000;
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function age(iso) {
    var at = Date.parse(iso);
    if (!isFinite(at)) return "";
    var s = Math.max(0, Math.round((Date.now() - at) / 1000));
    if (s < 60) return "just now";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 172800) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }
  function engineName(engine) {
    return engine === "ecs" ? "ECS blue/green" : engine === "codedeploy" ? "CodeDeploy" : engine;
  }
  function renderMatrix(matrix) {
    var table = document.getElementById("matrix");
    clear(table);
    var head = el("tr");
    head.appendChild(el("th", "", "Service"));
    matrix.environments.forEach(function (env) {
      var th = el("th", "", env.environment);
      th.appendChild(el("span", "region", env.deployed ? (env.region || "") : "not deployed"));
      head.appendChild(th);
    });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    matrix.services.forEach(function (row) {
      var tr = el("tr");
      tr.setAttribute("data-service", row.service);
      tr.appendChild(el("td", "service", row.service));
      matrix.environments.forEach(function (env) {
        var td = el("td");
        td.setAttribute("data-env", env.environment);
        var cell = row.environments[env.environment];
        if (!env.deployed) { td.appendChild(el("div", "cell absent notdeployed", "not deployed")); }
        else if (!cell) { td.appendChild(el("div", "cell absent", "—")); }
        else {
          var kind = cell.state === "no-record" || cell.state === "missing" ? "none" : cell.state;
          var box = el("div", "cell " + kind);
          box.setAttribute("data-state", cell.state);
          box.appendChild(el("div", "version", cell.version || "—"));
          box.appendChild(el("span", "state", kind === "none" ? "none" : cell.label));
          if (cell.engine) {
            box.appendChild(document.createTextNode(" "));
            box.appendChild(el("span", "engine", engineName(cell.engine)));
          }
          var who = [];
          if (cell.deployedAt) who.push(age(cell.deployedAt));
          if (cell.author) who.push(cell.author);
          if (cell.running !== null && cell.desired !== null) who.push(cell.running + "/" + cell.desired + " tasks");
          box.appendChild(el("div", "who", who.join(" · ")));
          td.appendChild(box);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
  }
  function renderList(id, items, empty) {
    var list = document.getElementById(id);
    clear(list);
    if (items.length === 0) { list.appendChild(el("li", "empty", empty)); return; }
    items.forEach(function (item) { list.appendChild(item); });
  }
  function renderProgress(items) {
    renderList("progress", items.map(function (d) {
      var li = el("li");
      li.appendChild(el("strong", "", d.environment + " · " + d.service));
      if (d.engine) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "engine", engineName(d.engine)));
      }
      li.appendChild(document.createTextNode(" — " + d.status + (d.stage ? ", " + d.stage : "") + " "));
      var id = el("span", "mono", d.shortId);
      id.title = d.deploymentId;
      li.appendChild(id);
      if (d.startedAt) li.appendChild(document.createTextNode(" · started " + age(d.startedAt)));
      return li;
    }), "Nothing deploying right now.");
  }
  function renderWarnings(lines) {
    renderList("warnings", lines.map(function (line) { return el("li", "", line); }), "No warnings.");
  }
  function renderReleases(releases) {
    var table = document.getElementById("releases");
    clear(table);
    var head = el("tr");
    ["Environment", "Service", "Version", "When", "Who", "Commit", "Message", "Digest", "Deployment"].forEach(function (h) { head.appendChild(el("th", "", h)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    releases.forEach(function (r) {
      var tr = el("tr", r.live ? "live" : "");
      tr.appendChild(el("td", "", r.environment));
      tr.appendChild(el("td", "", r.service));
      tr.appendChild(el("td", "", r.version));
      tr.appendChild(el("td", "", age(r.deployedAt)));
      tr.appendChild(el("td", "", r.author));
      tr.appendChild(el("td", "mono", r.commit + (r.ref ? " (" + r.ref + ")" : "")));
      tr.appendChild(el("td", "msg", r.message + (r.promotedFrom ? " — " + r.promotedFrom : "")));
      tr.appendChild(el("td", "mono", r.digest));
      tr.appendChild(el("td", "mono", r.deploymentId));
      body.appendChild(tr);
    });
    table.appendChild(body);
  }
  function render(data) {
    renderMatrix(data.matrix);
    renderProgress(data.inProgress);
    renderWarnings(data.matrix.warnings);
    renderReleases(data.releases);
    document.getElementById("meta").textContent =
      "updated " + new Date(data.generatedAt).toLocaleTimeString() + " · refreshes every " + Math.round(refreshMs / 1000) + " s";
  }
  function load() {
    fetch("/api/snapshot", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.refreshMs) refreshMs = data.refreshMs;
        var error = document.getElementById("error");
        if (data.error) {
          error.hidden = false;
          error.textContent = data.error.join("\\n");
          if (data.stale) render(data.stale);
        } else {
          error.hidden = true;
          render(data);
        }
      })
      .catch(function (e) {
        var error = document.getElementById("error");
        error.hidden = false;
        error.textContent = "The dashboard server does not answer: " + e;
      })
      .then(function () { setTimeout(load, refreshMs); });
  }
  load();
})();
`;
