// One message: its summary, its whole story (accepted, queued, handed to the provider with the
// relay's answer, each outcome event, each webhook attempt that carried one), and its content:
// headers, text, and the HTML in a sandboxed frame that runs no script.
import { ApiError } from "../api.js";
import { EVENT_TYPES, badge, el, link, ms, section, table, when } from "../ui.js";
import { searchHash } from "./messages.js";

const SHORT = Object.fromEntries(EVENT_TYPES.map((t) => [t.type, t.short]));
const KINDS = { accepted: "Accepted", queued: "Queued", handedToProvider: "Handed to the provider", event: "Outcome", attempt: "Webhook attempt" };
// Fields an attempt shows in its own words; any other field is listed with its label.
const SHOWN = new Set(["at", "kind", "type", "attemptId", "callbackId", "callbackName", "ok", "latencyMs", "errorClass", "eventId"]);
const LABELS = { detail: "", answer: "Provider's answer", providerId: "Provider's id", reason: "Why", statusCode: "Status code",
  bounceCode: "Bounce", smtpReason: "SMTP reason", batchId: "Batch", responseExcerpt: "Receiver answered" };

function summary(m) {
  const item = (label, value) => [el("dt", {}, label), el("dd", {}, value ?? "–")];
  return section("Summary", el("dl", { class: "figures", id: "summary" },
    item("Recipient", m.recipient), item("Channel", m.channel),
    item("Status", badge(m.status, m.status)), item("Why", m.statusReason),
    item("Subject", m.subject ?? m.text ?? m.excerpt),
    item("Message key", m.messageKey ? link(m.messageKey, searchHash({ messageKey: m.messageKey })) : null),
    item("Definition", m.definitionKey), item("Created", when(m.createdAt)), item("Updated", when(m.updatedAt)),
    item("Id", el("code", {}, m.id))));
}

function extras(step) {
  return Object.entries(step)
    .filter(([name, value]) => !SHOWN.has(name) && !(step.kind === "attempt" && name === "statusCode"))
    .filter(([, value]) => value !== null && value !== undefined && typeof value !== "object")
    .map(([name, value]) => el("div", { class: "detail", "data-field": name },
      LABELS[name] === "" ? null : el("span", { class: "muted" }, `${LABELS[name] ?? name}: `), String(value)));
}

function attempt(step) {
  const deliveries = `#/endpoints/${encodeURIComponent(step.callbackId)}/deliveries`;
  return [
    el("div", {}, "to ", link(step.callbackName || step.callbackId, deliveries), " — ",
      badge(step.statusCode === null || step.statusCode === undefined ? "no answer" : `HTTP ${step.statusCode}`, step.ok ? "ok" : "bad"),
      " in ", ms(step.latencyMs), step.errorClass ? ` · ${step.errorClass}` : ""),
  ];
}

function step(s) {
  const kind = s.kind === "event" ? `${KINDS.event}: ${SHORT[s.type] || s.type || ""}` : KINDS[s.kind] || s.kind;
  const bad = (s.kind === "attempt" && !s.ok) || (s.kind === "event" && /NotSent|Bounced/.test(s.type || ""));
  const good = (s.kind === "attempt" && s.ok) || (s.kind === "event" && /Sent$|Delivered$/.test(s.type || "") && !bad);
  return el("li", { class: bad ? "bad" : good ? "ok" : "", "data-kind": s.kind },
    el("div", {}, el("strong", {}, kind), " ", el("time", { class: "muted", datetime: s.at }, when(s.at))),
    s.kind === "attempt" ? attempt(s) : null, extras(s));
}

function content(m, c) {
  const headers = Object.entries(c.headers || {}).map(([name, value]) => [name, String(value)]);
  const parts = [
    el("dl", { class: "figures" },
      el("dt", {}, "Subject"), el("dd", {}, c.subject ?? "–"),
      el("dt", {}, "From"), el("dd", {}, c.from ?? "–"),
      el("dt", {}, "To"), el("dd", {}, c.to ?? "–")),
    el("h3", {}, "Headers"), table(["Header", "Value"], headers, { empty: "No headers." }),
  ];
  if (c.hasHtml) {
    parts.push(el("h3", {}, "HTML"), el("iframe", {
      class: "content", sandbox: "", referrerpolicy: "no-referrer", title: "The message's HTML, shown without scripts",
      src: `/platform/v1/messages/${encodeURIComponent(m.id)}/html`,
    }));
  }
  parts.push(el("h3", {}, "Text"), el("pre", { id: "text" }, c.text ?? "(no text part)"));
  return el("section", { class: "card", id: "content" }, el("h2", {}, "Content"), ...parts);
}

export async function render(root, { api, route }) {
  const id = route.params.id;
  let m;
  try {
    m = await api.get(`/platform/v1/messages/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    root.append(el("h1", {}, "Message"), el("p", { class: "muted", "data-unavailable": "message" },
      "No such message in this account (or message pages are not available on this server)."), link("Back to the search", "#/messages"));
    return;
  }
  root.append(
    el("p", {}, link("← Messages", "#/messages")),
    el("h1", {}, `Message to ${m.recipient || "(no recipient)"}`),
    summary(m),
    section("Timeline", el("ol", { class: "timeline", id: "timeline" }, (m.timeline || []).map(step))),
    m.content ? content(m, m.content) : null,
    (m.events || []).length ? section("Events as the webhooks carry them", el("pre", { id: "events" }, JSON.stringify(m.events, null, 2))) : null,
  );
}
