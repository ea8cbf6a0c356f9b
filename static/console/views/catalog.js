// Event catalog: every event type a subscription can choose, with its meaning, the JSON Schema
// of its payload and an example, as GET …/event-types declares them.
import { endpointsOf, missing } from "../endpoints-ui.js";
import { EVENT_TYPES, badge, el, section } from "../ui.js";

export async function render(root, ctx) {
  root.append(el("h1", {}, "Event catalog"));
  let types;
  try {
    types = (await endpointsOf(ctx).eventTypes()).items;
  } catch (error) {
    if (!missing(error)) throw error;
    root.append(
      el("p", { class: "muted", role: "status" }, "The event catalog is not available on this server; the event types are:"),
      el("ul", {}, EVENT_TYPES.map((t) => el("li", {}, el("code", {}, t.type)))));
    return;
  }
  root.append(
    el("p", { class: "muted" }, "Each delivery is a JSON array of events like these; subscriptions choose the types."),
    el("nav", { class: "row toc", "aria-label": "Event types" }, types.map((t) => el("a", { href: `#/catalog?type=${encodeURIComponent(t.short || t.type)}` }, t.short || t.type))),
    el("div", { class: "catalog" }, types.map((t) => eventType(t, ctx.route.query.type))));
  const chosen = ctx.route.query.type && root.querySelector(`[data-type="${CSS.escape(ctx.route.query.type)}"]`);
  chosen?.scrollIntoView();
}

function eventType(t, open) {
  const name = t.short || t.type;
  return el("div", { "data-type": name },
    section(name,
      el("p", { class: "row" }, el("code", {}, t.type), t.channel ? badge(t.channel) : null),
      el("p", {}, t.description || ""),
      el("details", { open: open === name }, el("summary", {}, "JSON Schema"), el("pre", {}, JSON.stringify(t.schema, null, 2))),
      el("details", { open: true }, el("summary", {}, "Example payload"), el("pre", {}, JSON.stringify(t.example, null, 2)))));
}
