// Overview: the figures of a range, outcomes per event type over time, webhook latency and
// time-to-deliver percentiles, callbacks' health and the newest outcomes. The range and the
// filters live in the hash (#/overview?range=7d&channel=email), so links and back work.
import { ApiError } from "../api.js";
import { update } from "../chart.js";
import { fromLocal, hashFor, localInput } from "../query.js";
import { EVENT_TYPES, badge, el, field, link, ms, percent, section, table, when } from "../ui.js";

const HOUR = 3600e3;
const RANGES = { "1h": HOUR, "24h": 24 * HOUR, "7d": 7 * 24 * HOUR, "30d": 30 * 24 * HOUR };
const SHORT = Object.fromEntries(EVENT_TYPES.map((t) => [t.type, t.short]));
const COLOUR = Object.fromEntries(EVENT_TYPES.map((t) => [t.type, t.colour]));
const EVERY_MS = 10e3; // the view fetches again this often while its tab is visible
const PERCENTILES = [["p50", "#2f5bd3", undefined], ["p95", "#b45309", [6, 3]], ["p99", "#b42318", [2, 3]]];

// The range asked for: a preset, or ?range=custom&from=&to= (ISO); the resolution that fits it.
function rangeOf(query, now = Date.now()) {
  let from, to;
  if (query.range === "custom" && query.from && query.to && Date.parse(query.from) < Date.parse(query.to)) {
    [from, to] = [Date.parse(query.from), Date.parse(query.to)];
  } else {
    to = now;
    from = now - (RANGES[query.range] || RANGES["24h"]);
  }
  const span = to - from;
  const granularity = span <= 3 * HOUR ? "minute" : span <= 14 * 24 * HOUR ? "hour" : "day";
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), granularity };
}

function controls(query, navigate, definitions, refresh) {
  const current = query.range || "24h";
  const go = (changes) => navigate(hashFor("/overview", { ...query, ...changes }));
  const presets = Object.keys(RANGES).map((name) =>
    el("button", { type: "button", "aria-pressed": String(current === name), onclick: () => go({ range: name, from: "", to: "" }) }, name));
  const from = el("input", { type: "datetime-local", name: "from", value: localInput(query.from) });
  const to = el("input", { type: "datetime-local", name: "to", value: localInput(query.to) });
  const custom = el("form", { class: "filters", onsubmit: (event) => {
    event.preventDefault();
    go({ range: "custom", from: fromLocal(from.value), to: fromLocal(to.value) });
  } }, field("From", from), field("To", to), el("button", { type: "submit", "aria-pressed": String(current === "custom") }, "Show range"));
  const channel = el("select", { name: "channel", onchange: () => go({ channel: channel.value }) },
    ["", "email", "sms"].map((c) => el("option", { value: c, selected: (query.channel || "") === c }, c || "email and SMS")));
  const definition = el("input", { name: "definitionKey", value: query.definitionKey || "", list: "definition-keys", placeholder: "any" });
  const byDefinition = el("form", { class: "filters", onsubmit: (event) => {
    event.preventDefault();
    go({ definitionKey: definition.value.trim() });
  } }, field("Definition", definition), definitions, el("button", { type: "submit" }, "Filter"));
  const again = el("button", { type: "button", title: "Fetch the figures again now", onclick: refresh }, "Refresh");
  return el("div", { class: "card controls" },
    el("div", { class: "row", role: "group", "aria-label": "Range" }, presets, again),
    custom, el("div", { class: "filters" }, field("Channel", channel), byDefinition));
}

// Sent, not sent and bounced of one channel come from its row of byChannel.
function figures(summary, channel) {
  const card = (name, label, value, sub, warn) =>
    el("div", { class: `card figure${warn ? " warn" : ""}`, "data-card": name },
      el("div", { class: "muted" }, label), el("div", { class: "big", "data-figure": name }, value), el("small", { class: "muted" }, sub));
  const hooks = summary.webhooks;
  const row = channel ? summary.byChannel[channel] || {} : null;
  const sent = row ? row.Sent || 0 : summary.sent;
  const bounced = row ? row.Bounced || 0 : summary.bounced.total;
  const rate = row ? (sent ? bounced / sent : null) : summary.bounceRate;
  return el("div", { class: "cards" },
    card("sent", "Sent", sent, row ? `${channel} only` : `${percent(summary.deliverySuccessRate)} of attempts`),
    card("notSent", "Not sent", row ? row.NotSent || 0 : summary.notSent, ""),
    card("bounced", "Bounced", bounced, `bounce rate ${percent(rate)}`, (rate || 0) > 0.05),
    card("webhooks", "Webhooks accepted", percent(hooks.successRate), `first attempt ${percent(hooks.firstAttemptSuccessRate)}`),
    card("p95", "Webhook p95", ms(hooks.latencyMs.p95), `p50 ${ms(hooks.latencyMs.p50)}`),
    card("backlog", "Backlog", hooks.backlog, "events waiting now"));
}

// Each type drawn in its own colour; only the types the range has (or the channel's, if none).
function countsChart(box, plot, series) {
  const shown = series.series.filter((s) => s.counts.some((n) => n > 0));
  const lines = (shown.length ? shown : series.series).map((s) => ({ label: SHORT[s.type] || s.type, colour: COLOUR[s.type] || "#5b6472", values: s.counts, type: s.type }));
  box.dataset.types = lines.map((l) => `${l.label}=${l.colour}`).join(" ");
  const drawn = update(box, plot, { times: series.times, series: lines, format: (v) => (v === null || v === undefined ? "–" : String(v)), yLabel: "events", label: `Outcomes per ${series.granularity}` });
  // The same numbers as text, for a screen reader or a copy: the periods that had any.
  const rows = series.times.map((t, i) => [when(t), ...lines.map((l) => l.values[i])]).filter((r) => r.slice(1).some((n) => n > 0));
  return [drawn, table(["Period from", ...lines.map((l) => l.label)], rows, { empty: "No outcome in this range." })];
}

// Milliseconds with a decimal below 10 ms, so close axis ticks do not read the same.
const fineMs = (x) => (x === null || x === undefined ? "–" : x < 10 ? `${x.toFixed(1)} ms` : ms(x));

function latencyChart(box, plot, times, values, label) {
  const lines = PERCENTILES.map(([p, colour, dash]) => ({ label: p, colour, dash, values: values[p] }));
  return update(box, plot, { times, series: lines, format: fineMs, yLabel: "", label, height: 220 });
}

// Why messages were not sent, and the bounces by code: what to look at first.
function reasons(summary) {
  return el("div", { class: "grid2" },
    el("section", { class: "card", id: "not-sent" }, el("h2", {}, "Not sent, by reason"),
      table(["Channel", "Code", "Reason", "Count"], summary.notSentByReason.map((r) => [r.channel, r.statusCode, r.reason, r.count]), { empty: "None." })),
    el("section", { class: "card", id: "bounce-codes" }, el("h2", {}, "Bounces, by code"),
      table(["Channel", "Class", "Code", "Count"], summary.bounceCodes.map((b) => [b.channel, b.bounceCode, b.smtpReason ?? b.statusCode, b.count]), { empty: "None." })));
}

function callbacksTable(rows) {
  return table(["Callback", "URL", "State", "Attempts", "Accepted", "p95"], rows.map((c) => [
    link(c.callbackName || c.callbackId, `#/endpoints/${encodeURIComponent(c.callbackId)}`), c.url,
    badge(c.state, c.state), c.attempts, percent(c.successRate), ms(c.latencyMs.p95)]), { empty: "No callbacks yet." });
}

function recentTable(events) {
  return table(["When", "Outcome", "To", "Subject", "Definition", "Message", "Why"], events.map((e) => [
    when(e.occurredAt), badge(SHORT[e.type] || e.type, (SHORT[e.type] || "").replace(/^(Email|Sms)/, "").replace(/^./, (c) => c.toLowerCase())),
    e.to, e.subject, e.definitionKey,
    e.messageId ? link(e.messageKey || "open", `#/messages/${encodeURIComponent(e.messageId)}`)
      : e.messageKey ? link(e.messageKey, `#/messages?${new URLSearchParams({ messageKey: e.messageKey })}`) : null,
    e.reason || e.detail]), { empty: "No outcomes yet." });
}

async function optional(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return null;
    throw error;
  }
}

// Everything the view shows, for the range as of now (a preset range moves with the clock).
async function load(api, query) {
  const range = rangeOf(query);
  const filters = { channel: query.channel, definitionKey: query.definitionKey };
  const span = { from: range.from, to: range.to };
  let granularity = range.granularity;
  const series = await optional(api.get("/api/v1/stats/timeseries", { ...span, ...filters, granularity }))
    || (granularity === "minute" ? await api.get("/api/v1/stats/timeseries", { ...span, ...filters, granularity: (granularity = "hour") }) : null);
  const [summary, latency, callbacks, recent] = await Promise.all([
    api.get("/api/v1/stats/summary", { ...span, ...filters }),
    optional(api.get("/api/v1/stats/latency", { ...span, ...filters, granularity })),
    api.get("/api/v1/stats/callbacks", span),
    api.get("/api/v1/stats/recent", { limit: 20 }),
  ]);
  return { range, granularity, series, summary, latency, callbacks, recent };
}

const swap = (old, fresh) => (old.replaceWith(fresh), fresh);

// Puts the numbers into the view's parts in place: tables are swapped whole, charts refilled.
function fill(v, data, query) {
  v.span.textContent = `${when(data.range.from)} – ${when(data.range.to)}, per ${data.granularity}`;
  v.figures = swap(v.figures, figures(data.summary, query.channel));
  v.reasons = swap(v.reasons, reasons(data.summary));
  v.callbacks = swap(v.callbacks, callbacksTable(data.callbacks.callbacks));
  v.recent = swap(v.recent, recentTable(data.recent.events));
  const keys = [...new Set(data.recent.events.map((e) => e.definitionKey).filter(Boolean))];
  v.definitions.replaceChildren(...keys.map((d) => el("option", { value: d })));
  if (data.series && v.counts.isConnected) {
    let numbers;
    [v.plots.counts, numbers] = countsChart(v.counts, v.plots.counts, data.series);
    v.numbers = swap(v.numbers, numbers);
  }
  if (data.latency && v.hookLatency.isConnected) {
    v.plots.latency = latencyChart(v.hookLatency, v.plots.latency, data.latency.times, data.latency.webhookLatencyMs, "Webhook latency percentiles");
    v.plots.deliver = latencyChart(v.toDeliver, v.plots.deliver, data.latency.times, data.latency.timeToDeliverMs, "Time to deliver percentiles");
  }
}

// Fetches again every EVERY_MS while the tab is visible (and at once when it shows again),
// until the view is left; one fetch at a time.
function keepFresh(root, refresh) {
  let busy = false;
  const tick = async () => {
    if (!root.isConnected) {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", tick);
      return;
    }
    if (busy || document.visibilityState !== "visible") return;
    busy = true;
    try {
      await refresh();
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, EVERY_MS);
  document.addEventListener("visibilitychange", tick);
}

export async function render(root, { api, route, navigate }) {
  const query = route.query;
  const data = await load(api, query);
  const chartBox = (id) => el("div", { id, class: "chart" });
  const v = { span: el("p", { class: "muted" }), figures: el("div"), counts: chartBox("chart"), numbers: el("p"),
    hookLatency: chartBox("latency-chart"), toDeliver: chartBox("deliver-chart"), reasons: el("div"),
    callbacks: el("p"), recent: el("p"), definitions: el("datalist", { id: "definition-keys" }), plots: {} };
  const status = el("p", { class: "muted", role: "status", "data-refreshed": "" });
  const updated = () => {
    status.textContent = `Updated ${new Date().toLocaleTimeString()}; again every ${EVERY_MS / 1e3} s while this tab is visible.`;
  };
  const refresh = async () => {
    try {
      fill(v, await load(api, query), query);
      updated();
    } catch (error) {
      status.textContent = `Could not update: ${error.message || error}`;
    }
  };
  root.append(
    el("h1", {}, "Overview"),
    controls(query, navigate, v.definitions, refresh),
    v.span, status,
    v.figures,
    section("Outcomes", data.series ? v.counts : el("p", { class: "muted" }, "Not available on this server."),
      data.series ? el("details", { class: "chart-data" }, el("summary", {}, "The chart's numbers"), v.numbers) : null),
    el("div", { class: "grid2" },
      section("Webhook latency", data.latency ? v.hookLatency : el("p", { class: "muted", "data-unavailable": "latency" }, "Latency percentiles are not available on this server.")),
      section("Time to deliver (accepted → first webhook accepted)", data.latency ? v.toDeliver : el("p", { class: "muted" }, "Not available on this server."))),
    v.reasons,
    el("section", { class: "card", id: "callbacks" }, el("h2", {}, "Callbacks"), v.callbacks),
    el("section", { class: "card", id: "recent" }, el("h2", {}, "Recent outcomes"), v.recent),
  );
  fill(v, data, query);
  updated();
  keepFresh(root, refresh);
}
