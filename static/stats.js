// The stats page: fetches the stats API with the session cookie and updates the page in place.
// Every value from the API is put in with textContent (or an attribute), never as HTML.
"use strict";

const RANGES = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };
const REFRESH_MS = 5000;
// The event types, each with its short name and colour: the server puts them into the page.
const EVENT_TYPES = JSON.parse(document.getElementById("event-types").textContent);
const COLORS = Object.fromEntries(EVENT_TYPES.map((t) => [t.short, t.colour]));
const SHORT = Object.fromEntries(EVENT_TYPES.map((t) => [t.type, t.short]));
const SVG = "http://www.w3.org/2000/svg";
let range = "24h";

class SignedOut extends Error {}

const $ = (id) => document.getElementById(id);

async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function setText(element, value) {
  const text = value === null || value === undefined ? "–" : String(value);
  if (element.textContent !== text) element.textContent = text;
}

const percent = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);
const millis = (x) => (x === null || x === undefined ? "–" : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x} ms`);
const short = (type) => SHORT[type] || type;

function figure(name, value) {
  setText(document.querySelector(`[data-figure="${name}"]`), value);
}

function renderTotals(summary) {
  figure("sent", summary.sent);
  figure("deliveryRate", `${percent(summary.deliverySuccessRate)} of attempts`);
  figure("notSent", summary.notSent);
  figure("bounced", summary.bounced.total);
  figure("bounceRate", `bounce rate ${percent(summary.bounceRate)}`);
  document.querySelector('[data-card="bounced"]').classList.toggle("warn", (summary.bounceRate || 0) > 0.05);
  const hooks = summary.webhooks;
  figure("webhookRate", percent(hooks.successRate));
  figure("firstAttempt", `first attempt ${percent(hooks.firstAttemptSuccessRate)}`);
  figure("p95", millis(hooks.latencyMs.p95));
  figure("p50", `p50 ${millis(hooks.latencyMs.p50)}`);
  figure("backlog", hooks.backlog);
}

// A cell is a string, or {text, className, href}. Rows are reused, so a refresh never flickers.
function fillTable(table, headings, rows, empty) {
  if (!table.tHead) {
    const head = table.createTHead().insertRow();
    for (const heading of headings) {
      const th = document.createElement("th");
      th.textContent = heading;
      head.appendChild(th);
    }
  }
  const body = table.tBodies[0] || table.createTBody();
  const wanted = rows.length ? rows : [[{ text: empty, className: "empty", span: headings.length }]];
  while (body.rows.length > wanted.length) body.deleteRow(-1);
  wanted.forEach((cells, r) => {
    const row = body.rows[r] || body.insertRow();
    while (row.cells.length > cells.length) row.deleteCell(-1);
    cells.forEach((cell, c) => {
      const td = row.cells[c] || row.insertCell();
      const spec = typeof cell === "object" && cell !== null ? cell : { text: cell };
      td.colSpan = spec.span || 1;
      td.className = spec.className && !spec.badge ? spec.className : "";
      let target = td;
      if (spec.href || spec.badge) {
        const tag = spec.href ? "a" : "span";
        if (!td.firstElementChild || td.firstElementChild.tagName.toLowerCase() !== tag) td.replaceChildren(document.createElement(tag));
        target = td.firstElementChild;
        if (spec.href) target.href = spec.href;
        if (spec.badge) target.className = `badge ${spec.badge}`;
      } else if (td.firstElementChild) {
        td.replaceChildren();
      }
      setText(target, spec.text);
    });
  });
}

function renderChart(series) {
  const svg = $("chart");
  const width = 800, height = 220, pad = 10;
  const top = Math.max(1, ...series.series.flatMap((s) => s.counts));
  const n = series.times.length;
  const x = (i) => (n <= 1 ? width / 2 : (i * width) / (n - 1));
  const y = (v) => height - pad - (v / top) * (height - 2 * pad);
  if (!svg.querySelector("line")) {
    for (const fraction of [0, 0.5, 1]) {
      const line = document.createElementNS(SVG, "line");
      line.setAttribute("x1", "0");
      line.setAttribute("x2", String(width));
      line.setAttribute("y1", String(pad + fraction * (height - 2 * pad)));
      line.setAttribute("y2", String(pad + fraction * (height - 2 * pad)));
      svg.appendChild(line);
    }
  }
  const seen = new Set();
  for (const s of series.series) {
    const kind = short(s.type);
    seen.add(kind);
    let line = svg.querySelector(`polyline[data-type="${kind}"]`);
    if (!line) {
      line = document.createElementNS(SVG, "polyline");
      line.dataset.type = kind;
      line.setAttribute("stroke", COLORS[kind] || "#475569");
      svg.appendChild(line);
    }
    const points = s.counts.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    if (line.getAttribute("points") !== points) line.setAttribute("points", points);
  }
  for (const line of svg.querySelectorAll("polyline")) if (!seen.has(line.dataset.type)) line.remove();
  setText($("chart-from"), series.times.length ? new Date(series.times[0]).toLocaleString() : "");
  setText($("chart-to"), new Date(series.to).toLocaleString());
  const legend = $("legend");
  const items = series.series.map((s) => short(s.type));
  if (legend.dataset.items !== items.join()) {
    legend.replaceChildren(...items.map((kind) => {
      const li = document.createElement("li");
      const swatch = document.createElement("i");
      swatch.style.background = COLORS[kind] || "#475569";
      li.append(swatch, kind);
      return li;
    }));
    legend.dataset.items = items.join();
  }
  svg.dataset.points = String(series.series.reduce((sum, s) => sum + s.counts.reduce((a, b) => a + b, 0), 0));
}

function renderBreakdowns(summary) {
  fillTable($("reasons"), ["Status code", "Reason", "Channel", "Count"],
    summary.notSentByReason.slice(0, 8).map((r) => [r.statusCode, r.reason, r.channel, r.count]),
    "Nothing was refused.");
  fillTable($("bounces"), ["Bounce", "Code", "Channel", "Count"],
    summary.bounceCodes.slice(0, 8).map((b) => [b.bounceCode, b.smtpReason ?? b.statusCode, b.channel, b.count]),
    "No bounces.");
}

function renderCallbacks(hooks) {
  fillTable($("callbacks"), ["Callback", "URL", "Health", "Success", "p95", "Backlog", "Last error", ""],
    hooks.callbacks.map((c) => [
      c.callbackName, c.url, { text: c.state, badge: c.state }, percent(c.successRate),
      millis(c.latencyMs.p95), c.backlog, c.lastError || "—",
      { text: "attempts", href: `/platform/v1/ens-callbacks/${encodeURIComponent(c.callbackId)}/attempts` },
    ]),
    "No callbacks registered.");
}

function renderRecent(recent) {
  fillTable($("recent"), ["When", "Event", "To", "Subject", "Detail"],
    recent.events.map((e) => [
      new Date(e.occurredAt).toLocaleTimeString(), short(e.type), e.to || "", e.subject || "",
      [e.detail, e.reason].filter(Boolean).join(" · "),
    ]),
    "Nothing yet.");
}

function show(signedIn) {
  $("signin").hidden = signedIn;
  $("dashboard").hidden = !signedIn;
  $("ranges").hidden = !signedIn;
  $("signout").hidden = !signedIn;
}

async function refresh() {
  const session = await getJSON("/stats/session");
  if (!session.signedIn) {
    show(false);
    $("signin-failed").hidden = !new URLSearchParams(location.search).has("signin");
    return;
  }
  setText($("account"), `account ${session.accountId}`);
  const to = new Date();
  const from = new Date(to.getTime() - RANGES[range]);
  const span = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
  const granularity = RANGES[range] > 7 * 86400e3 ? "day" : "hour";
  try {
    const [summary, series, hooks, recent] = await Promise.all([
      getJSON(`/api/v1/stats/summary?${span}`),
      getJSON(`/api/v1/stats/timeseries?${span}&granularity=${granularity}`),
      getJSON(`/api/v1/stats/callbacks?${span}`),
      getJSON("/api/v1/stats/recent?limit=15"),
    ]);
    show(true);
    renderTotals(summary);
    renderChart(series);
    renderBreakdowns(summary);
    renderCallbacks(hooks);
    renderRecent(recent);
    setText($("updated"), `Updated ${to.toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s`);
    document.body.dataset.ready = "true";
  } catch (error) {
    if (error instanceof SignedOut) {
      show(false);
      $("signin-failed").hidden = !new URLSearchParams(location.search).has("signin");
    } else {
      setText($("updated"), `Could not refresh: ${error.message}`);
    }
  }
}

for (const button of document.querySelectorAll("#ranges button")) {
  button.addEventListener("click", () => {
    range = button.dataset.range;
    for (const other of document.querySelectorAll("#ranges button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    refresh();
  });
}

refresh();
setInterval(refresh, REFRESH_MS);
