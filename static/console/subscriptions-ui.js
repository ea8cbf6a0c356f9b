// An endpoint's subscriptions: which event types (and filters) it gets; pause, resume, delete,
// and a new one with the event types as checkboxes from the catalog.
import { eventTypes, stacked, unavailable } from "./endpoints-ui.js";
import { badge, confirmDialog, el, errorBox, field, notice, section, table } from "./ui.js";


export async function subscriptionsCard(endpoints, callback, again) {
  const id = callback.callbackId;
  let found;
  try {
    found = await endpoints.subscriptions(id);
  } catch (error) {
    return section("Subscriptions", unavailable(error, "Subscriptions"));
  }
  const manage = endpoints.can("ManageEndpoint");
  const out = el("div", { "aria-live": "polite" });
  const act = (work) => async () => {
    try {
      await work();
      again();
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  const form = el("div");
  const showForm = async (existing) => {
    form.replaceChildren(await subscriptionForm(endpoints, callback, again, existing));
    form.querySelector("input")?.focus();
  };
  const rows = found.map((s) => {
    const paused = s.status === "paused";
    const toggle = act(async () => {
      await endpoints.updateSubscription(id, s.subscriptionId, { status: paused ? "active" : "paused" });
      notice(paused ? "Subscription resumed." : "Subscription paused.");
    });
    const remove = async () => {
      if (!(await confirmDialog(`Delete the subscription "${s.subscriptionName}"?`, "Delete"))) return;
      await act(async () => {
        await endpoints.unsubscribe(id, s.subscriptionId);
        notice("Subscription deleted.");
      })();
    };
    const label = `${s.subscriptionName}`;
    return [
      s.subscriptionName,
      el("ul", { class: "plain" }, s.eventCategoryTypes.map((t) => el("li", {}, t.replace(/^TransactionalSendEvents\./, "")))),
      s.filters.length ? el("ul", { class: "plain" }, s.filters.map((f) => el("li", {}, el("code", {}, f)))) : "–",
      badge(s.status, paused ? "warn" : "ok"),
      manage ? el("div", { class: "row" },
        el("button", { type: "button", onclick: () => showForm(s), "aria-label": `Edit ${label}` }, "Edit"),
        el("button", { type: "button", onclick: toggle, "aria-label": `${paused ? "Resume" : "Pause"} ${label}` }, paused ? "Resume" : "Pause"),
        el("button", { type: "button", class: "danger", onclick: remove, "aria-label": `Delete ${label}` }, "Delete")) : null,
    ];
  });
  const headings = ["Name", "Event types", "Filters", "Status", ...(manage ? ["Actions"] : [])];
  const editable = manage && callback.status !== "unverified";
  if (editable) await showForm(null);
  return section("Subscriptions",
    stacked(table(headings, rows.map((r) => (manage ? r : r.slice(0, 4))), { empty: "No subscriptions: nothing is delivered yet." })),
    out,
    editable ? form : null);
}

// A new subscription, or (given one) the same form filled in to change it.
async function subscriptionForm(endpoints, callback, again, existing) {
  const types = await eventTypes(endpoints);
  const chosen = new Set(existing?.eventCategoryTypes || []);
  const name = el("input", { name: "subscriptionName", required: true, maxlength: 200, value: existing?.subscriptionName ?? callback.callbackName });
  const boxes = types.map((t) => el("label", { class: "check" },
    el("input", { type: "checkbox", name: "eventCategoryTypes", value: t.type, checked: chosen.has(t.type) }), ` ${t.short || t.type}`,
    t.description ? el("small", { class: "muted" }, ` — ${t.description}`) : null));
  const filters = el("textarea", { name: "filters", rows: 2, placeholder: "definitionKey=order-confirm" });
  filters.value = (existing?.filters || []).join("\n");
  const buffer = el("input", { type: "checkbox", name: "bufferWhilePaused", checked: Boolean(existing?.bufferWhilePaused) });
  const out = el("div", { "aria-live": "polite" });
  const submit = async (event) => {
    event.preventDefault();
    const picked = boxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => b.value);
    if (!picked.length) return out.replaceChildren(errorBox("Choose at least one event type."));
    const item = {
      subscriptionName: name.value, eventCategoryTypes: picked,
      filters: filters.value.split("\n").map((f) => f.trim()).filter(Boolean), bufferWhilePaused: buffer.checked,
    };
    try {
      if (existing) await endpoints.updateSubscription(callback.callbackId, existing.subscriptionId, item);
      else await endpoints.subscribe(callback.callbackId, item);
      notice(existing ? "Subscription saved." : "Subscribed.");
      again();
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return el("form", { class: "subscribe", onsubmit: submit },
    el("h3", {}, existing ? `Edit subscription: ${existing.subscriptionName}` : "New subscription"),
    field("Subscription name", name),
    el("fieldset", {}, el("legend", {}, "Event types"), boxes),
    field("Filters (one name=value a line; all must match)", filters),
    el("label", {}, buffer, " While paused, keep the events and send them on resume"),
    el("div", { class: "row" },
      el("button", { type: "submit", class: "primary" }, existing ? "Save subscription" : "Subscribe"),
      existing ? el("button", { type: "button", onclick: again }, "Cancel") : null),
    out);
}
