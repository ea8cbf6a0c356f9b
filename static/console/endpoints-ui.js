// Pieces the endpoints, endpoint, deliveries and catalog views share, on the console and in the
// portal: the endpoints client of the context, status badges, the verify step, the event types.
import { ApiError } from "./api.js";
import { endpointsClient } from "./endpoints-api.js";
import { EVENT_TYPES, badge, el, errorBox, field, notice, section } from "./ui.js";

// The portal shell hands its client in; the console's is made from its own api and session.
export function endpointsOf(ctx) {
  return ctx.endpoints || endpointsClient(ctx.api, ctx.session);
}

export const missing = (error) => error instanceof ApiError && (error.status === 404 || error.status === 405);

// "Not available" for a route this server does not have (yet); any other error as it came.
export function unavailable(error, what) {
  if (missing(error)) return el("p", { class: "muted", role: "status" }, `${what} is not available on this server.`);
  return errorBox(error);
}

const STATUS_KIND = { verified: "ok", unverified: "warn", disabled: "bad" };
export const statusBadge = (status) => badge(status, STATUS_KIND[status] || "");
const STATE_KIND = { healthy: "ok", failing: "warn", unverified: "warn", disabled: "bad" };
export const healthBadge = (state) => badge(state, STATE_KIND[state] || "");

export function attemptBadge(attempt) {
  const code = attempt.statusCode === null || attempt.statusCode === undefined ? "no answer" : String(attempt.statusCode);
  return badge(code, attempt.ok ? "ok" : "bad");
}

// The event types for choosing: the page's own list (the server put it in), else the catalog.
export async function eventTypes(endpoints) {
  if (EVENT_TYPES.length) return EVENT_TYPES.map((t) => ({ type: t.type, short: t.short }));
  try {
    return (await endpoints.eventTypes()).items;
  } catch (error) {
    if (!missing(error)) throw error;
    return EVENT_TYPES.map((t) => ({ type: t.type, short: t.short, description: "" }));
  }
}

// The key the probe carried: the receiver logged either the key or the whole JSON body.
export function verificationKeyOf(text) {
  const given = text.trim();
  if (!given.startsWith("{")) return given;
  try {
    return String(JSON.parse(given).verificationKey || "");
  } catch {
    return given;
  }
}

// The verify step: Tidings POSTed {callbackId, verificationKey} to the URL; paste it back here.
export function verifyStep(endpoints, callback, onVerified) {
  const input = el("textarea", { rows: 2, name: "verificationKey", autocomplete: "off", spellcheck: "false" });
  const out = el("div", { "aria-live": "polite" });
  const verify = async (event) => {
    event.preventDefault();
    out.replaceChildren();
    try {
      await endpoints.verify(callback.callbackId, verificationKeyOf(input.value));
      notice("Endpoint verified.");
      await onVerified();
    } catch (error) {
      out.append(errorBox(error));
    }
  };
  const probe = async () => {
    out.replaceChildren();
    try {
      const probed = await endpoints.probe(callback.callbackId);
      out.append(el("p", { class: "notice ok" }, `A new probe was sent; your URL answered ${probed.statusCode}.`));
    } catch (error) {
      out.append(errorBox(error));
    }
  };
  return section("Verify this endpoint",
    el("p", {}, "Tidings sent your URL one POST with the body ",
      el("code", {}, '{"callbackId": "…", "verificationKey": "…"}'),
      ". Paste the verificationKey, or that whole body, from your receiver's log (it works once, for 4 hours)."),
    el("form", { class: "verify", onsubmit: verify },
      field("Verification key (or the probe's JSON body)", input),
      el("div", { class: "row" },
        el("button", { type: "submit", class: "primary" }, "Verify"),
        el("button", { type: "button", onclick: probe }, "Send a new probe"))),
    out);
}

// datetime-local value -> ISO string for the API ("" stays undefined).
export const isoOf = (local) => (local ? new Date(local).toISOString() : undefined);

// A table that becomes one card per row on a narrow screen, each cell under its heading.
export function stacked(wrap) {
  wrap.classList.add("stack");
  const headings = [...wrap.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const row of wrap.querySelectorAll("tbody > tr")) {
    [...row.children].forEach((td, i) => { if (headings[i]) td.dataset.label = headings[i]; });
  }
  return wrap;
}
