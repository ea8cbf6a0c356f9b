// Suppressions: the addresses the account does not send to. Search (?q=), add, remove (after a
// confirmation); an entry a bounce added links to the bounced message.
import { hashFor } from "../query.js";
import { badge, confirmDialog, el, errorBox, field, link, notice, section, table, when } from "../ui.js";

const PAGE_SIZE = 50;

const hashOf = (query) => hashFor("/suppressions", query);

function search(query, navigate) {
  const q = el("input", { type: "search", name: "q", value: query.q || "", autocomplete: "off", placeholder: "part of an address" });
  return el("form", { class: "filters", role: "search", "aria-label": "Find suppressions", onsubmit: (event) => {
    event.preventDefault();
    navigate(hashOf({ q: q.value.trim() }));
  } }, field("Search", q), el("button", { type: "submit" }, "Search"));
}

function addForm(api, rerender) {
  const address = el("input", { name: "address", required: true, autocomplete: "off", placeholder: "ana@example.com or +15555550100" });
  const reason = el("input", { name: "reason", maxlength: 500, placeholder: "added by operator" });
  const problem = el("div");
  const submit = async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    try {
      const body = { address: address.value.trim() };
      if (reason.value.trim()) body.reason = reason.value.trim();
      const entry = await api.post("/api/v1/suppressions", body);
      notice(`Suppressed ${entry.address}.`);
      rerender();
    } catch (error) {
      problem.replaceChildren(errorBox(error));
    }
  };
  return el("form", { class: "filters", id: "add-suppression", "aria-label": "Suppress an address", onsubmit: submit },
    field("Address", address), field("Reason", reason), el("button", { type: "submit", class: "primary" }, "Suppress"), problem);
}

function source(entry) {
  if (entry.messageId) return link("bounce (open the message)", `#/messages/${encodeURIComponent(entry.messageId)}`);
  if (entry.source === "bounce") return entry.eventId ? `bounce ${entry.eventId}` : "bounce";
  return entry.source;
}

function rows(items, api, rerender) {
  return items.map((entry) => [
    entry.address, entry.reason, source(entry), when(entry.createdDate),
    el("button", { type: "button", class: "danger", "aria-label": `Remove ${entry.address}`, onclick: async () => {
      if (!(await confirmDialog(`Send to ${entry.address} again? Its suppression is removed.`, "Remove"))) return;
      try {
        await api.del(`/api/v1/suppressions/${encodeURIComponent(entry.address)}`);
        notice(`${entry.address} is no longer suppressed.`);
        rerender();
      } catch (error) {
        notice(error.message, "bad");
      }
    } }, "Remove"),
  ]);
}

function pager(query, data) {
  const page = data.page;
  const last = Math.max(1, Math.ceil(data.count / data.pageSize));
  return el("nav", { class: "row pager", "aria-label": "Pages" },
    page > 1 ? link("Previous page", hashOf({ ...query, page: page - 1 })) : null,
    el("span", { class: "muted" }, `page ${page} of ${last}`),
    page < last ? link("Next page", hashOf({ ...query, page: page + 1 })) : null);
}

export async function render(root, ctx) {
  const { api, route, navigate } = ctx;
  const query = route.query;
  const rerender = () => navigate(location.hash || "#/suppressions");
  const data = await api.get("/api/v1/suppressions", { q: query.q, page: query.page, pageSize: PAGE_SIZE });
  root.append(
    el("h1", {}, "Suppressions"),
    section("Add", addForm(api, rerender)),
    el("section", { class: "card", id: "suppressions" },
      el("h2", {}, "Suppressed addresses ", badge(String(data.count))),
      search(query, navigate),
      table(["Address", "Reason", "Added by", "Since", ""], rows(data.items, api, rerender), { empty: query.q ? "No suppressed address matches." : "No address is suppressed." }),
      pager(query, data)),
  );
}
