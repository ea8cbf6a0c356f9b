// One endpoint: status and health, the verify step while unverified, re-enable after 410 or
// the breaker, a test event with the receiver's answer, the signing key, edit, subscriptions,
// delete. Each control shows only when the client can() do it.
import { endpointsOf, healthBadge, statusBadge, unavailable, verifyStep } from "../endpoints-ui.js";
import { subscriptionsCard } from "../subscriptions-ui.js";
import { confirmDialog, el, errorBox, field, link, ms, notice, percent, secretOnce, section, when } from "../ui.js";

export async function render(root, ctx) {
  const endpoints = endpointsOf(ctx);
  const id = ctx.route.params.id;
  const callback = await endpoints.get(id);
  const again = () => ctx.navigate(location.hash);
  const deliveries = `#/endpoints/${encodeURIComponent(id)}/deliveries`;
  const parts = [
    el("p", {}, link("← Endpoints", "#/endpoints")),
    el("h1", {}, callback.callbackName),
    el("p", { class: "row" }, statusBadge(callback.status), el("code", {}, callback.url)),
    callback.status === "disabled" ? disabledCard(endpoints, callback, again) : null,
    callback.status === "unverified" && endpoints.can("ManageEndpoint") ? verifyStep(endpoints, callback, again) : null,
    await healthCard(endpoints, id, deliveries),
    pair(endpoints.can("CreateAttempts") ? testCard(endpoints, id) : null, keyCard(endpoints, callback)),
    endpoints.can("ManageEndpoint") ? editCard(endpoints, callback, again) : null,
    await subscriptionsCard(endpoints, callback, again),
    endpoints.can("ManageEndpoint") ? deleteCard(endpoints, callback, ctx) : null,
  ];
  root.append(...parts.filter(Boolean));
}

// Two cards side by side on a wide screen (one under the other on a narrow one).
function pair(...cards) {
  const shown = cards.filter(Boolean);
  return shown.length > 1 ? el("div", { class: "grid2" }, shown) : shown[0] || null;
}

function disabledCard(endpoints, callback, again) {
  const enable = async () => {
    await endpoints.enable(callback.callbackId);
    notice("Endpoint re-enabled: its waiting events go out now.");
    again();
  };
  return section("Disabled",
    el("p", { class: "error" }, `Tidings stopped delivering: ${callback.statusReason}.`),
    endpoints.can("ManageEndpoint")
      ? el("button", { type: "button", class: "primary", onclick: enable }, "Re-enable")
      : el("p", { class: "muted" }, "Ask the sender's team to re-enable it."));
}

async function healthCard(endpoints, id, deliveries) {
  let h;
  try {
    h = await endpoints.health(id);
  } catch (error) {
    return section("Health", unavailable(error, "Health"));
  }
  const figures = [
    ["State", healthBadge(h.state)], ["Attempts (24 h)", String(h.attempts)],
    ["Success rate", percent(h.successRate)], ["First-try success", percent(h.firstAttemptSuccessRate)],
    ["Latency p50 / p95", `${ms(h.latencyMs.p50)} / ${ms(h.latencyMs.p95)}`],
    ["Events waiting", String(h.backlog)], ["Held by paused subscriptions", String(h.held)],
    ["Last success", when(h.lastSuccessAt)], ["Failing since", when(h.failingSince)],
    ["Last error", h.lastError || "–"],
  ];
  return section("Health",
    el("dl", { class: "figures" }, figures.map(([name, value]) => [el("dt", {}, name), el("dd", {}, value)])),
    el("p", {}, link("Deliveries: every attempt, with request and response →", deliveries)));
}

function testCard(endpoints, id) {
  const out = el("div", { "aria-live": "polite" });
  const send = async () => {
    out.replaceChildren(el("p", { class: "muted" }, "Sending…"));
    try {
      const sent = await endpoints.test(id);
      out.replaceChildren(el("dl", { class: "figures test-answer" },
        el("dt", {}, "Answer"), el("dd", {}, sent.ok ? "accepted" : "failed", " · ", sent.statusCode ?? "no HTTP answer"),
        el("dt", {}, "Latency"), el("dd", {}, ms(sent.latencyMs)),
        el("dt", {}, "Error class"), el("dd", {}, sent.errorClass || "–")),
        el("h3", {}, "Response excerpt"), el("pre", { class: "excerpt" }, sent.responseExcerpt || "(empty)"));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return section("Send a test event",
    el("p", { class: "muted" }, "A signed sample event, POSTed now; you see what your receiver answered."),
    el("button", { type: "button", onclick: send }, "Send test event"), out);
}

function keyCard(endpoints, callback) {
  const id = callback.callbackId;
  const out = el("div", { "aria-live": "polite" });
  const show = async () => {
    try {
      const key = (await endpoints.secret(id)).signatureKey;
      out.replaceChildren(el("div", { class: "once" }, field("Signing key", el("input", { value: key, readonly: true, class: "secret" }))));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  const rotate = async () => {
    if (!(await confirmDialog("Rotate the signing key? The new key is shown once.", "Rotate"))) return;
    try {
      const rotated = await endpoints.rotate(id);
      const grace = rotated.previousKeyValidUntil
        ? `The previous key keeps signing too until ${when(rotated.previousKeyValidUntil)} (deliveries carry both signatures until then).`
        : "The previous key stopped signing at once (no grace window is configured).";
      out.replaceChildren(secretOnce("New signing key", rotated.signatureKey), el("p", { class: "grace" }, grace));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  const buttons = [
    endpoints.can("ViewEndpointSecret") ? el("button", { type: "button", onclick: show }, "Show signing key") : null,
    endpoints.can("ManageEndpointSecret") ? el("button", { type: "button", onclick: rotate }, "Rotate signing key") : null,
  ].filter(Boolean);
  if (!buttons.length) return null;
  return section("Signing key",
    el("p", { class: "muted" }, `Deliveries are signed with it (${callback.keyEncoding || "base64"}); Standard Webhooks libraries take it as "whsec_" + key.`),
    el("div", { class: "row" }, buttons), out);
}

function editCard(endpoints, callback, again) {
  const name = el("input", { name: "callbackName", value: callback.callbackName, required: true, maxlength: 200 });
  const size = el("input", { name: "maxBatchSize", type: "number", min: 1, max: 1000, value: callback.maxBatchSize, required: true });
  const out = el("div", { "aria-live": "polite" });
  const save = async (event) => {
    event.preventDefault();
    try {
      await endpoints.update(callback.callbackId, { callbackName: name.value, maxBatchSize: Number(size.value) });
      notice("Saved.");
      again();
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return section("Edit",
    el("form", { onsubmit: save },
      field("Name", name), field("Events per POST (1–1000)", size),
      el("p", { class: "muted" }, "The URL cannot change: register a new endpoint for a new URL."),
      el("button", { type: "submit" }, "Save")),
    out);
}

function deleteCard(endpoints, callback, ctx) {
  const out = el("div");
  const remove = async () => {
    const sure = await confirmDialog(`Delete the endpoint "${callback.callbackName}" and its subscriptions? Nothing more is delivered to it.`, "Delete");
    if (!sure) return;
    try {
      for (const s of await endpoints.subscriptions(callback.callbackId)) await endpoints.unsubscribe(callback.callbackId, s.subscriptionId);
      await endpoints.remove(callback.callbackId);
      notice("Endpoint deleted.");
      ctx.navigate("#/endpoints");
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return section("Delete", el("button", { type: "button", class: "danger", onclick: remove }, "Delete endpoint"), out);
}
