// Messages: search by recipient, messageKey, definition, status, channel and time, newest first,
// a page at a time. The search lives in the hash (#/messages?recipient=…&cursor=…), so back,
// forward and links all give the same page.
import { ApiError } from "../api.js";
import { fromLocal, hashFor, localInput } from "../query.js";
import { badge, el, errorBox, field, link, table, when } from "../ui.js";

const STATUSES = ["", "queued", "held", "sending", "sent", "notSent", "bounced"];
const FIELDS = ["recipient", "messageKey", "definitionKey", "status", "channel", "from", "to"];

export const searchHash = (query) => hashFor("/messages", query);

function form(query, navigate) {
  const input = (name, attrs = {}) => el("input", { name, value: query[name] || "", ...attrs });
  const choice = (name, values, labels) => el("select", { name },
    values.map((v, i) => el("option", { value: v, selected: (query[name] || "") === v }, labels[i])));
  const controls = {
    recipient: input("recipient", { type: "search", placeholder: "ana@example.com or +15555550100", autocomplete: "off" }),
    messageKey: input("messageKey", { autocomplete: "off" }),
    definitionKey: input("definitionKey", { autocomplete: "off" }),
    status: choice("status", STATUSES, ["any", ...STATUSES.slice(1)]),
    channel: choice("channel", ["", "email", "sms"], ["any", "email", "sms"]),
    from: el("input", { type: "datetime-local", name: "from", value: localInput(query.from) }),
    to: el("input", { type: "datetime-local", name: "to", value: localInput(query.to) }),
  };
  const submit = (event) => {
    event.preventDefault();
    const wanted = {};
    for (const name of FIELDS) {
      const value = controls[name].value.trim();
      wanted[name] = name === "from" || name === "to" ? fromLocal(value) : value;
    }
    navigate(searchHash(wanted));
  };
  return el("form", { class: "card filters", role: "search", "aria-label": "Find messages", onsubmit: submit },
    field("Recipient", controls.recipient), field("Message key", controls.messageKey),
    field("Definition", controls.definitionKey), field("Status", controls.status),
    field("Channel", controls.channel), field("Created from", controls.from), field("Created to", controls.to),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, "Search"),
      el("button", { type: "button", onclick: () => navigate("#/messages") }, "Clear")));
}

function results(page, query) {
  const rows = page.items.map((m) => [
    when(m.createdAt), m.channel,
    link(m.recipient || "(no recipient)", `#/messages/${encodeURIComponent(m.id)}`),
    m.subject ?? m.text ?? m.excerpt, badge(m.status, m.status), m.statusReason,
    m.definitionKey, m.messageKey]);
  const pager = el("nav", { class: "row pager", "aria-label": "Pages" },
    query.cursor ? link("First page", searchHash({ ...query, cursor: "" })) : null,
    page.nextCursor ? link("Next page", searchHash({ ...query, cursor: page.nextCursor })) : null);
  return el("section", { class: "card", id: "results" },
    table(["Created", "Channel", "Recipient", "Subject / text", "Status", "Why", "Definition", "Message key"], rows,
      { empty: "No message matches.", caption: `${page.items.length} message${page.items.length === 1 ? "" : "s"}${page.nextCursor ? ", more on the next page" : ""}` }),
    pager);
}

export async function render(root, { api, route, navigate }) {
  const query = route.query;
  root.append(el("h1", {}, "Messages"), form(query, navigate));
  const wanted = Object.fromEntries(FIELDS.concat("cursor").map((n) => [n, query[n]]));
  try {
    root.append(results(await api.get("/platform/v1/messages", { ...wanted, limit: query.limit || 50 }), query));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      root.append(el("p", { class: "muted", "data-unavailable": "messages" }, "Message search is not available on this server."));
    } else if (error instanceof ApiError && error.status < 500 && error.status !== 401) {
      root.append(errorBox(error));
    } else throw error;
  }
}
