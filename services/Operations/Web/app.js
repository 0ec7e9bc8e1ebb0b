// The operations page: the business views and the error queues, plain DOM (no framework, nothing fetched from the internet).
"use strict";


const main = document.getElementById("main");
let timer = null;

const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
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


async function business() {
  main.innerHTML = `<div id="business"></div><div class="card"><h2>Error queues</h2><div id="error-queues"></div><div id="error-messages"></div></div>
    <div class="card"><h2>Enrolment drive 参保扩面 <span class="muted">newborns with a birth record and no enrolment</span></h2>
      <form id="drive-form">region <input id="drive-region" value="330300" size="7"> street <input id="drive-street" size="14" placeholder="every street">
        born at least <input id="drive-days" value="30" size="4"> days ago
        <button type="submit" class="small">List</button> <button type="button" class="small" id="drive-csv">Download CSV</button>
        <button type="button" class="small primary" id="drive-remind">Remind the guardians again</button></form>
      <div id="drive-result" class="muted"></div><div id="drive-list"></div></div>`;
  const driveQuery = () => "region=" + encodeURIComponent(document.getElementById("drive-region").value) + "&street=" +
    encodeURIComponent(document.getElementById("drive-street").value) + "&days=" + encodeURIComponent(document.getElementById("drive-days").value);
  document.getElementById("drive-form").onsubmit = async e => {
    e.preventDefault();
    try {
      const rows = await api("/enrollment-drive?" + driveQuery());
      document.getElementById("drive-result").textContent = `${rows.length} newborn(s) to follow up`;
      document.getElementById("drive-list").innerHTML = table([{ title: "Street", value: r => r.street }, { title: "Newborn", value: r => r.newbornName },
        { title: "Born", value: r => r.birthDate }, { title: "Days", num: true, value: r => r.daysSinceBirth },
        { title: "Enrol before", html: r => r.windowPassed ? `<span class="bad">${esc(r.enrolBefore)}</span>` : esc(r.enrolBefore) },
        { title: "Guardian", value: r => r.guardianName }, { title: "Phone", value: r => r.guardianMobilePhone }, { title: "Reminded again", num: true, value: r => r.driveReminders }], rows);
    } catch (err) { document.getElementById("drive-result").textContent = "error: " + err.message; }
  };
  document.getElementById("drive-csv").onclick = () => location.href = "/api/enrollment-drive.csv?" + driveQuery();
  document.getElementById("drive-remind").onclick = async () => {
    try {
      const drive = await api("/enrollment-drive/remind?" + driveQuery(), { method: "POST" });
      document.getElementById("drive-result").textContent = drive.repeated ? `already sent today (${drive.reminded} guardian(s))` : `${drive.reminded} guardian(s) reminded again`;
    } catch (err) { document.getElementById("drive-result").textContent = "error: " + err.message; }
  };
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

api("/me").then(me => document.getElementById("who").textContent = `${me.id} (${me.role}, ${me.site})`).catch(() => { });
business();
