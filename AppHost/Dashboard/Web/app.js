// The operators' dashboard: one page, six views, plain DOM and SVG (no framework, nothing fetched from the internet).
"use strict";

const main = document.getElementById("main");
const colors = ["#0b6bcb", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#e67700", "#1098ad", "#5c940d", "#364fc7", "#a61e4d"];
const serviceColor = {};
let timer = null;

const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const colorOf = name => serviceColor[name] ??= colors[Object.keys(serviceColor).length % colors.length];
const ms = v => v == null ? "—" : v >= 1000 ? (v / 1000).toFixed(2) + " s" : v >= 10 ? v.toFixed(0) + " ms" : v.toFixed(2) + " ms";
const time = t => new Date(t).toLocaleTimeString([], { hour12: false }) + "." + String(new Date(t).getMilliseconds()).padStart(3, "0");
const enumName = v => String(v ?? "").replace(/^(CASE_STATE_|EVENT_KIND_|CHANNEL_|MESSAGE_STATE_)/, "").replaceAll("_", " ").toLowerCase();

async function api(path, options) {
  const response = await fetch("/api" + path, { credentials: "same-origin", ...options });
  if (response.status === 401) { location.href = "/login"; throw new Error("signed out"); }
  if (!response.ok && response.status !== 202) {
    let detail = response.statusText;
    try { detail = (await response.json()).error ?? detail; } catch { }
    throw new Error(detail);
  }
  return response.status === 202 ? null : response.json();
}

function every(ms, fn) {
  clearInterval(timer);
  const run = async () => {
    try { await fn(); document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString([], { hour12: false }); }
    catch (e) { document.getElementById("updated").textContent = "error: " + e.message; }
  };
  run();
  timer = setInterval(run, ms);
}

// Replaces an element's content only when it changed: a live view must not rebuild rows under the operator's cursor.
function render(id, html) {
  const element = document.getElementById(id);
  if (element && element.dataset.html !== html) { element.innerHTML = html; element.dataset.html = html; }
}

function table(columns, rows, rowAttrs = () => "") {
  return `<table><thead><tr>${columns.map(c => `<th class="${c.num ? "num" : ""}">${esc(c.title)}</th>`).join("")}</tr></thead><tbody>` +
    (rows.length ? rows.map(r => `<tr ${rowAttrs(r)}>${columns.map(c => `<td class="${c.num ? "num" : ""}">${c.html ? c.html(r) : esc(c.value(r))}</td>`).join("")}</tr>`).join("")
      : `<tr><td colspan="${columns.length}" class="muted">nothing yet</td></tr>`) + "</tbody></table>";
}

function figure(label, value, id, cls = "") {
  return `<div class="figure"><div class="value ${cls}" ${id ? `id="${id}"` : ""}>${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
}

// ---------------------------------------------------------------- Resources
async function resources() {
  main.innerHTML = `<h2>Resources</h2><div id="resources"></div><div id="env"></div>`;
  every(2000, async () => {
    const list = await api("/resources");
    render("resources", table([
      { title: "Resource", html: r => `<b>${esc(r.name)}</b>` },
      { title: "Type", value: r => r.type },
      { title: "State", html: r => `<span class="state-${esc(r.state)}">${esc(r.state)}</span>${r.message && r.state !== "Running" ? ` <span class="muted">${esc(r.message)}</span>` : ""}` },
      { title: "Health", html: r => `<span class="${esc(r.health)}">${esc(r.health)}</span>` },
      { title: "Endpoints", html: r => Object.entries(r.endpoints).map(([k, v]) => `<span class="mono">${esc(k)} ${esc(v)}</span>`).join("<br>") },
      { title: "Pid", num: true, value: r => r.pid ?? "" },
      { title: "Uptime", num: true, value: r => r.uptimeSeconds == null ? "" : uptime(r.uptimeSeconds) },
      { title: "Restarts", num: true, value: r => r.restarts },
      { title: "", html: r => r.pid != null || r.state === "Stopped" ? `<button class="small" data-act="restart" data-name="${esc(r.name)}">Restart</button>
          <button class="small" data-act="${r.state === "Stopped" ? "start" : "stop"}" data-name="${esc(r.name)}">${r.state === "Stopped" ? "Start" : "Stop"}</button>
          <button class="small" data-env="${esc(r.name)}">Environment</button> <a href="#/console/${esc(r.name)}">Console</a>` : "" },
    ], list, r => `id="resource-${esc(r.name)}"`));
  });
  main.onclick = async e => {
    const act = e.target.dataset.act, env = e.target.dataset.env;
    if (act) { e.target.disabled = true; await api(`/resources/${e.target.dataset.name}/${act}`, { method: "POST" }).catch(err => alert(err.message)); }
    if (env) {
      const vars = await api(`/resources/${env}/environment`);
      document.getElementById("env").innerHTML = `<h2>Environment of ${esc(env)} <span class="muted">(secrets masked)</span></h2>` +
        table([{ title: "Variable", html: v => `<span class="mono">${esc(v.key)}</span>` }, { title: "Value", html: v => `<span class="mono">${esc(v.value)}</span>` }], vars);
    }
  };
}
const uptime = s => s < 120 ? `${Math.floor(s / 10) * 10} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;

// ---------------------------------------------------------------- Console
async function consoleView(name) {
  const list = await api("/resources");
  name ??= list.find(r => r.type === "Project")?.name ?? list[0]?.name;
  main.innerHTML = `<div class="filters"><h2 style="margin:0">Console</h2><select id="console-resource">${list.map(r => `<option ${r.name === name ? "selected" : ""}>${esc(r.name)}</option>`).join("")}</select>
    <label><input type="checkbox" id="follow" checked> follow</label></div><pre class="console" id="console"></pre>`;
  document.getElementById("console-resource").onchange = e => location.hash = "#/console/" + e.target.value;
  const pre = document.getElementById("console");
  let after = 0;
  every(1000, async () => {
    const lines = await api(`/resources/${encodeURIComponent(name)}/console?after=${after}`);
    if (!lines.length) return;
    after = lines[lines.length - 1].sequence;
    pre.append(document.createTextNode(lines.map(l => l.text).join("\n") + "\n"));
    if (document.getElementById("follow").checked) pre.scrollTop = pre.scrollHeight;
  });
}

// ---------------------------------------------------------------- Structured logs
const levels = [["0", "all levels"], ["5", "Debug+"], ["9", "Information+"], ["13", "Warning+"], ["17", "Error+"]];
async function logs(params) {
  const services = await api("/telemetry/services");
  const q = new URLSearchParams(params);
  main.innerHTML = `<h2>Structured logs</h2><div class="filters">
    <select id="log-service"><option value="">all resources</option>${services.map(s => `<option ${q.get("service") === s ? "selected" : ""}>${esc(s)}</option>`).join("")}</select>
    <select id="log-level">${levels.map(([v, t]) => `<option value="${v}" ${q.get("minSeverity") === v ? "selected" : ""}>${t}</option>`).join("")}</select>
    <input id="log-text" placeholder="text" value="${esc(q.get("text") ?? "")}">
    <input id="log-trace" placeholder="trace id" class="mono" size="34" value="${esc(q.get("traceId") ?? "")}">
    <button class="primary" id="log-apply">Filter</button></div><div id="logs"></div>`;
  document.getElementById("log-apply").onclick = () => {
    location.hash = "#/logs?" + filters({ service: val("log-service"), minSeverity: val("log-level"), text: val("log-text"), traceId: val("log-trace") });
  };
  every(3000, async () => {
    const entries = await api("/logs?limit=300&" + q);
    render("logs", table([
      { title: "Time", html: l => `<span class="mono">${time(l.time)}</span>` },
      { title: "Level", html: l => `<span class="${esc(l.level)}">${esc(l.level)}</span>` },
      { title: "Resource", html: l => `<span class="svc" style="background:${colorOf(l.service)}"></span>${esc(l.service)}` },
      { title: "Message", html: l => `${esc(l.message)}<div class="muted mono">${esc(l.category)}</div>` },
      { title: "Trace", html: l => l.traceId ? `<a class="mono" href="#/traces/${l.traceId}">${l.traceId.slice(0, 8)}…</a>` : "" },
    ], entries));
  });
}
const val = id => document.getElementById(id).value.trim();
// A query string of the filters that are set: empty ones are left out rather than sent as "".
const filters = values => new URLSearchParams(Object.entries(values).filter(([, v]) => v !== "" && v !== false && v != null));

// ---------------------------------------------------------------- Traces
async function traces(params) {
  const services = await api("/telemetry/services");
  const q = new URLSearchParams(params);
  main.innerHTML = `<h2>Traces</h2><div class="filters">
    <select id="trace-service"><option value="">all resources</option>${services.map(s => `<option ${q.get("service") === s ? "selected" : ""}>${esc(s)}</option>`).join("")}</select>
    <input id="trace-text" placeholder="span name, attribute or trace id" size="34" value="${esc(q.get("text") ?? "")}">
    <input id="trace-min" placeholder="min ms" size="7" value="${esc(q.get("minDurationMs") ?? "")}">
    <label><input type="checkbox" id="trace-errors" ${q.get("errors") === "true" ? "checked" : ""}> errors only</label>
    <button class="primary" id="trace-apply">Filter</button></div><div id="traces"></div>`;
  document.getElementById("trace-apply").onclick = () => {
    location.hash = "#/traces?" + filters({ service: val("trace-service"), text: val("trace-text"), minDurationMs: val("trace-min"), errors: document.getElementById("trace-errors").checked });
  };
  every(3000, async () => {
    const list = await api("/traces?limit=200&" + q);
    render("traces", table([
      { title: "Start", html: t => `<span class="mono">${time(t.start)}</span>` },
      { title: "Name", html: t => `<b>${esc(t.name)}</b> <span class="muted">${esc(t.service)}</span>` },
      { title: "Resources", html: t => t.services.map(s => `<span class="svc" style="background:${colorOf(s)}" title="${esc(s)}"></span>`).join("") + t.services.map(esc).join(", ") },
      { title: "Spans", num: true, value: t => t.spanCount },
      { title: "Errors", num: true, html: t => t.errorCount ? `<span class="bad">${t.errorCount}</span>` : "0" },
      { title: "Duration", num: true, value: t => ms(t.durationMs) },
    ], list, t => `class="clickable trace-row" data-trace="${t.traceId}"`));
  });
  main.onclick = e => { const row = e.target.closest("tr[data-trace]"); if (row) location.hash = "#/traces/" + row.dataset.trace; };
}

async function trace(traceId) {
  clearInterval(timer);
  const spans = await api("/traces/" + traceId);
  const byId = Object.fromEntries(spans.map(s => [s.spanId, s]));
  const children = {};
  for (const s of spans) (children[s.parentSpanId && byId[s.parentSpanId] ? s.parentSpanId : "root"] ??= []).push(s);
  const ordered = [];
  const walk = (id, depth) => (children[id] ?? []).sort((a, b) => new Date(a.start) - new Date(b.start)).forEach(s => { ordered.push([s, depth]); walk(s.spanId, depth + 1); });
  walk("root", 0);
  const start = Math.min(...spans.map(s => new Date(s.start).getTime()));
  const end = Math.max(...spans.map(s => new Date(s.start).getTime() + s.durationMs));
  const total = Math.max(end - start, 1);
  main.innerHTML = `<h2>Trace <span class="mono">${esc(traceId)}</span></h2>
    <p class="muted">${spans.length} spans over ${ms(total)} across ${[...new Set(spans.map(s => s.service))].map(s => `<span class="svc" style="background:${colorOf(s)}"></span>${esc(s)}`).join(" ")}
    · <a href="#/logs?traceId=${traceId}">logs of this trace</a></p>
    <div class="card waterfall" id="waterfall">${ordered.map(([s, depth]) => {
      const left = (new Date(s.start).getTime() - start) / total * 100, width = Math.max(s.durationMs / total * 100, 0.2);
      return `<div class="row span-row" data-span="${s.spanId}"><div class="name" style="padding-left:${6 + depth * 16}px" title="${esc(s.name)}">
        <span class="svc" style="background:${colorOf(s.service)}"></span>${esc(s.service)}: ${esc(s.name)}</div>
        <div class="lane"><div class="bar ${s.isError ? "error" : ""}" style="left:${left}%;width:${width}%;background:${colorOf(s.service)}"><span>${ms(s.durationMs)}</span></div></div></div>`;
    }).join("")}</div><div id="span-detail"></div>`;
  main.onclick = e => {
    const row = e.target.closest("[data-span]");
    if (!row) return;
    const s = byId[row.dataset.span];
    document.getElementById("span-detail").innerHTML = `<div class="card"><h2>${esc(s.service)}: ${esc(s.name)}</h2>
      <p>${esc(s.kind)} · ${ms(s.durationMs)} · status <span class="${s.isError ? "bad" : ""}">${esc(s.status)}</span> ${esc(s.statusMessage ?? "")}</p>` +
      table([{ title: "Attribute", html: a => `<span class="mono">${esc(a.key)}</span>` }, { title: "Value", html: a => `<span class="mono">${esc(a.value)}</span>` }], s.attributes) +
      (s.events.length ? "<h2>Events</h2>" + table([{ title: "Time", value: ev => time(ev.time) }, { title: "Event", value: ev => ev.name },
        { title: "Attributes", html: ev => ev.attributes.map(a => `<div class="mono">${esc(a.key)}=${esc(a.value)}</div>`).join("") }], s.events) : "") + "</div>";
  };
}

// ---------------------------------------------------------------- Metrics
const charts = [
  { title: "Requests per second, by method", name: "rpc.server.call.duration", stat: "rate", groupBy: "service,rpc.method", unit: "/s" },
  { title: "Error rate, by method (share of calls not OK)", name: "rpc.server.call.duration", stat: "errorRate", groupBy: "service,rpc.method", unit: "%" },
  { title: "Latency p95, by method", name: "rpc.server.call.duration", stat: "p95", groupBy: "service,rpc.method", unit: "s" },
  { title: "Queue depth (ready messages), by queue", name: "rabbitmq.queue.messages_ready", stat: "last", groupBy: "queue", unit: "" },
  { title: "Consumer lag p95 (sent → consumed), by consumer", name: "messaging.masstransit.delivery.duration", stat: "p95", groupBy: "service,messaging.masstransit.consumer_type", unit: "ms" },
  { title: "PostgreSQL commands per second, by service", name: "db.client.operation.duration", redis: false, stat: "rate", groupBy: "service", unit: "/s" },
  { title: "PostgreSQL command latency p95, by service", name: "db.client.operation.duration", redis: false, stat: "p95", groupBy: "service", unit: "s" },
  { title: "Redis commands per second, by service", name: "db.client.operation.duration", redis: true, stat: "rate", groupBy: "service", unit: "/s" },
  { title: "Redis command latency p95, by service", name: "db.client.operation.duration", redis: true, stat: "p95", groupBy: "service", unit: "s" },
];
async function metrics(params) {
  const q = new URLSearchParams(params);
  const minutes = q.get("minutes") ?? "15";
  main.innerHTML = `<div class="filters"><h2 style="margin:0">Metrics</h2><select id="minutes">${[5, 15, 60, 120].map(m => `<option ${String(m) === minutes ? "selected" : ""}>${m}</option>`).join("")}</select> minutes</div>
    <div class="card"><h2>gRPC methods (last ${esc(minutes)} minutes)</h2><div id="methods"></div></div><div class="grid" id="charts"></div>`;
  document.getElementById("minutes").onchange = e => location.hash = "#/metrics?minutes=" + e.target.value;
  every(5000, async () => {
    const methods = await api(`/metrics/methods?minutes=${minutes}`);
    render("methods", table([
      { title: "Service", value: m => m.service }, { title: "Method", html: m => `<span class="mono">${esc(m.method)}</span>` },
      { title: "Calls", num: true, value: m => m.calls }, { title: "Calls/s", num: true, value: m => m.callsPerSecond.toFixed(2) },
      { title: "Errors", num: true, html: m => m.errorRate ? `<span class="bad">${(m.errorRate * 100).toFixed(1)} %</span>` : "0 %" },
      { title: "p50", num: true, value: m => ms(m.p50Ms) }, { title: "p95", num: true, value: m => ms(m.p95Ms) }, { title: "p99", num: true, value: m => ms(m.p99Ms) },
    ], methods));
    const instruments = await api("/metrics/instruments");
    const have = new Set(instruments.map(i => i.name));
    const html = await Promise.all(charts.map(async c => {
      const name = c.name;
      let series = have.has(name) ? await api(`/metrics/chart?name=${encodeURIComponent(name)}&stat=${c.stat}&minutes=${minutes}&groupBy=${encodeURIComponent(c.groupBy + (c.redis !== undefined ? ",db.system.name,db.system" : ""))}`) : [];
      if (c.redis !== undefined) series = series.filter(s => c.redis ? s.label.endsWith(" redis") : !s.label.endsWith(" redis")).map(s => ({ ...s, label: s.label.replace(/( (redis|postgresql))+$/, "") }));
      return `<div class="card chart"><h2>${esc(c.title)}</h2>${svgChart(series, c.stat === "errorRate" ? "%" : c.unit, c.stat === "errorRate" ? 100 : 1)}</div>`;
    }));
    render("charts", html.join(""));
  });
}

function svgChart(series, unit, scale) {
  const lines = series.filter(s => s.points.some(p => p.value != null)).slice(0, 10);
  if (!lines.length) return `<p class="muted">no data in this window</p>`;
  const all = lines.flatMap(s => s.points.filter(p => p.value != null).map(p => p.value * scale));
  const max = Math.max(...all, unit === "%" ? 1 : 0.000001) * 1.1;
  const t0 = new Date(lines[0].points[0].time).getTime(), t1 = new Date(lines[0].points.at(-1).time).getTime();
  const W = 600, H = 200, L = 46, B = 18;
  const x = t => L + (new Date(t).getTime() - t0) / Math.max(t1 - t0, 1) * (W - L - 6), y = v => H - B - v * scale / max * (H - B - 8);
  const paths = lines.map((s, i) => {
    let d = "", pen = "M";
    for (const p of s.points) { if (p.value == null) { pen = "M"; continue; } d += `${pen}${x(p.time).toFixed(1)},${y(p.value).toFixed(1)} `; pen = "L"; }
    return `<path d="${d}" fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.6"/>`;
  }).join("");
  const fmt = v => v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2);
  const grid = [0, 0.5, 1].map(f => `<line x1="${L}" x2="${W}" y1="${y(max * f / scale)}" y2="${y(max * f / scale)}" stroke="#e2e5ea"/><text x="${L - 4}" y="${y(max * f / scale) + 4}" font-size="10" text-anchor="end" fill="#6b7383">${fmt(max * f)}${esc(unit)}</text>`).join("");
  const ticks = [t0, (t0 + t1) / 2, t1].map(t => `<text x="${x(new Date(t))}" y="${H - 4}" font-size="10" text-anchor="middle" fill="#6b7383">${new Date(t).toLocaleTimeString([], { hour12: false, hour: "2-digit", minute: "2-digit" })}</text>`).join("");
  return `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none">${grid}${ticks}${paths}</svg><div class="legend">${lines.map((s, i) => `<span><span class="svc" style="background:${colors[i % colors.length]}"></span>${esc(s.label)}</span>`).join("")}</div>`;
}

// ---------------------------------------------------------------- Business
async function business() {
  main.innerHTML = `<div id="business"></div><div class="card"><h2>Error queues</h2><div id="error-queues"></div><div id="error-messages"></div></div>`;
  every(5000, async () => {
    const b = await api("/business");
    const c = b.claims, a = b.allowance, n = b.notifications;
    const panel = (x, html) => x.error ? `<p class="error-text">${esc(x.error)}</p>` : html();
    render("business", `
      <h2>Settlements today ${c.date ? `<span class="muted">(${esc(c.date)}, China time)</span>` : ""}</h2>${panel(c, () => `
      <div class="figures">${figure("direct settlements today", c.directSettlements, "direct-settlements")}
        ${figure("manual cases filed today", c.manualCasesFiled, "manual-cases-filed")}
        ${figure("direct-settlement rate 直接结算率", c.directSettlementRate ? (c.directSettlementRate * 100).toFixed(2) + " %" : "—", "direct-settlement-rate")}
        ${figure("reversed today", c.reversedSettlements, "reversed-settlements")}</div>
      <div class="grid" style="margin-top:14px"><div class="card"><h2>By medical type</h2>${table([{ title: "Medical type", value: t => t.key },
        { title: "Settlements", num: true, value: t => t.count }, { title: "Total ¥", num: true, value: t => t.totalAmount }, { title: "Fund paid ¥", num: true, value: t => t.fundAmount }], c.byMedicalType, t => `data-medical-type="${esc(t.key)}"`)}</div>
      <div class="card"><h2>By institution</h2>${table([{ title: "Institution", html: t => `<span class="mono">${esc(t.key)}</span>` },
        { title: "Settlements", num: true, value: t => t.count }, { title: "Total ¥", num: true, value: t => t.totalAmount }, { title: "Fund paid ¥", num: true, value: t => t.fundAmount }], c.byInstitution)}</div></div>
      <h2>Manual reimbursement cases (零星报销) and their time limits</h2><div class="grid"><div class="card">${table([{ title: "State", value: t => enumName(t.state) },
        { title: "Open", num: true, value: t => t.count }, { title: "Near limit", num: true, html: t => t.nearDue ? `<span class="warn">${t.nearDue}</span>` : "0" },
        { title: "Past limit", num: true, html: t => t.overdue ? `<span class="bad">${t.overdue}</span>` : "0" }], c.openCasesByState)}</div>
      <div class="card">${table([{ title: "Case", html: d => `<span class="mono">${esc(d.caseId.slice(0, 8))}</span>` }, { title: "State", value: d => enumName(d.state) },
        { title: "Site", value: d => d.site }, { title: "Due", value: d => d.dueDate }, { title: "Days left", num: true, value: d => d.daysLeft }, { title: "Claimed ¥", num: true, value: d => d.claimedAmount }],
        c.casesNearOrPastDue, d => `class="${d.daysLeft < 0 ? "overdue" : "near"}"`)}</div></div>`)}
      <h2>Allowance (生育津贴)</h2>${panel(a, () => `<div class="figures">
        ${figure("awaiting approval", a.awaitingApproval.length, "awaiting-approval")}
        ${figure("overdue for payment", a.overdueForPayment, "overdue-for-payment", a.overdueForPayment ? "bad" : "")}
        ${figure(`days to pay, average (${a.paidInWindow} paid, 30 days)`, a.daysToPayAverage || "—", "days-to-pay")}
        ${figure("days to pay, median / max", a.paidInWindow ? `${a.daysToPayP50} / ${a.daysToPayMax}` : "—")}</div>
      <div class="grid" style="margin-top:14px"><div class="card">${table([{ title: "State", value: t => enumName(t.state) }, { title: "Cases", num: true, value: t => t.count }, { title: "Amount ¥", num: true, value: t => t.amount }], a.casesByState)}</div>
      <div class="card"><h2>Awaiting an operator</h2>${table([{ title: "Case", html: w => `<span class="mono">${esc(w.caseId.slice(0, 8))}</span>` }, { title: "Person", html: w => `<span class="mono">${esc(w.idNumber)}</span>` },
        { title: "Event", value: w => `${enumName(w.eventKind)} ${w.eventDate}` }, { title: "Waiting", num: true, value: w => w.daysWaiting + " d" }, { title: "Unverified", value: w => w.findings.join(", ") }],
        a.awaitingApproval, w => w.daysWaiting > 5 ? `class="overdue"` : "")}</div></div>`)}
      <h2>Notifications today</h2>${panel(n, () => `<div class="figures">${figure("sent today", n.sentToday, "notifications-sent")}
        ${figure("failed today", n.failedToday, "notifications-failed", n.failedToday ? "bad" : "")}
        ${figure("deferred now", n.deferredNow, "notifications-deferred")}</div>
        <div class="grid" style="margin-top:14px"><div class="card">${table([{ title: "State", value: t => enumName(t.state) }, { title: "Channel", value: t => enumName(t.channel) }, { title: "Messages", num: true, value: t => t.count }], n.plannedToday)}</div>
        <div class="card"><h2>Waiting now</h2>${table([{ title: "Why", value: w => w.reason || "due now" }, { title: "Messages", num: true, value: w => w.count }], n.waitingByReason)}</div></div>`)}`);
    const queues = (await api("/queues")).filter(q => q.isErrorQueue);
    render("error-queues", table([{ title: "Error queue", html: q => `<span class="mono">${esc(q.name)}</span>` },
      { title: "Messages", num: true, html: q => q.ready ? `<span class="bad">${q.ready}</span>` : "0" }, { title: "", html: q => q.ready ? `<button class="small" data-queue="${esc(q.name)}">Show messages</button>` : "" }], queues));
  });
  main.onclick = async e => {
    const queue = e.target.dataset.queue, replay = e.target.dataset.replay;
    if (queue) await showErrorMessages(queue);
    if (replay) {
      e.target.disabled = true;
      try { await api(`/queues/${encodeURIComponent(e.target.dataset.from)}/messages/${encodeURIComponent(replay)}/replay`, { method: "POST" }); await showErrorMessages(e.target.dataset.from); }
      catch (err) { alert(err.message); }
    }
  };
}
async function showErrorMessages(queue) {
  const messages = await api(`/queues/${encodeURIComponent(queue)}/messages`);
  document.getElementById("error-messages").innerHTML = `<h2>${esc(queue)}</h2>` + table([
    { title: "Message", html: m => `<span class="mono">${esc(m.messageId)}</span><div class="muted">${esc(m.messageType ?? "")}</div>` },
    { title: "Failed", value: m => m.failedAt ? new Date(m.failedAt).toLocaleString() : "" },
    { title: "Why", html: m => `<b>${esc(m.exceptionType ?? "")}</b> ${esc(m.reason ?? "")}<details><summary>body</summary><pre class="mono">${esc(m.body)}</pre></details>` },
    { title: "", html: m => `<button class="small primary" data-replay="${esc(m.messageId)}" data-from="${esc(queue)}">Replay</button>` }], messages);
}

// ---------------------------------------------------------------- Router
function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const page = parts[0] ?? "resources";
  document.querySelectorAll("#nav a").forEach(a => a.classList.toggle("active", a.dataset.page === page));
  main.onclick = null;
  const params = Object.fromEntries(new URLSearchParams(query ?? ""));
  ({
    resources: () => resources(), console: () => consoleView(parts[1]), logs: () => logs(params),
    traces: () => parts[1] ? trace(parts[1]) : traces(params), metrics: () => metrics(params), business: () => business(),
  }[page] ?? resources)();
}
window.addEventListener("hashchange", route);
route();
