// Deliveries: an endpoint's attempt log, filtered by status, error class, time and outcome;
// each attempt opens to the request as sent and the receiver's answer; replay one batch, or a
// time range after a dry run has counted it.
import { attemptBadge, endpointsOf, isoOf, stacked, unavailable } from "../endpoints-ui.js";
import { confirmDialog, el, errorBox, field, link, ms, notice, section, table, when } from "../ui.js";

const FILTERS = ["statusCode", "errorClass", "from", "to", "ok"];
const events = (n) => `${n} event${n === 1 ? "" : "s"}`;

export async function render(root, ctx) {
  const endpoints = endpointsOf(ctx);
  const id = ctx.route.params.id;
  const callback = await endpoints.get(id);
  const query = Object.fromEntries(FILTERS.map((name) => [name, ctx.route.query[name]]));
  const log = el("div");
  const parts = [
    el("p", {}, link(`← ${callback.callbackName}`, `#/endpoints/${encodeURIComponent(id)}`)),
    el("h1", {}, `Deliveries · ${callback.callbackName}`),
    filterForm(ctx, query),
    section("Attempts, newest first", log),
    endpoints.can("CreateAttempts") ? replayRange(endpoints, id) : null,
  ];
  root.append(...parts.filter(Boolean));
  await page(endpoints, id, query, log, null);
}

function filterForm(ctx, query) {
  const local = (iso) => (iso ? new Date(new Date(iso).getTime() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "");
  const status = el("input", { name: "statusCode", value: query.statusCode || "", list: "status-classes", size: 8, placeholder: "5xx" });
  const errorClass = el("input", { name: "errorClass", value: query.errorClass || "", placeholder: "timeout" });
  const from = el("input", { name: "from", type: "datetime-local", value: local(query.from) });
  const to = el("input", { name: "to", type: "datetime-local", value: local(query.to) });
  const ok = el("select", { name: "ok" },
    [["", "any"], ["true", "accepted"], ["false", "failed"]].map(([value, text]) =>
      el("option", { value, selected: (query.ok || "") === value }, text)));
  const apply = (event) => {
    event.preventDefault();
    const chosen = { statusCode: status.value.trim(), errorClass: errorClass.value.trim(), from: isoOf(from.value), to: isoOf(to.value), ok: ok.value };
    const params = new URLSearchParams(Object.entries(chosen).filter(([, v]) => v));
    ctx.navigate(`#${ctx.route.path}${params.toString() ? `?${params}` : ""}`);
  };
  return el("form", { class: "card filters", onsubmit: apply, "aria-label": "Filter attempts" },
    field("Status (code, 2xx/4xx/5xx, none)", status),
    el("datalist", { id: "status-classes" }, ["2xx", "4xx", "5xx", "none"].map((v) => el("option", { value: v }))),
    field("Error class", errorClass), field("From", from), field("To", to), field("Outcome", ok),
    el("button", { type: "submit", class: "primary" }, "Filter"),
    el("a", { href: `#${ctx.route.path}` }, "Clear"));
}

async function page(endpoints, id, query, log, beforeId) {
  let found;
  try {
    found = await endpoints.attempts(id, { ...query, beforeId: beforeId ?? undefined, pageSize: 50 });
  } catch (error) {
    log.append(unavailable(error, "The attempt log"));
    return;
  }
  const rows = found.attempts.map((a) => attemptRow(endpoints, id, a));
  const wrap = stacked(table(["When", "Status", "Latency", "Events", "Error class", "Batch", ""], rows.map((r) => r.cells), { empty: "No attempts match." }));
  // Each attempt's detail row follows its own row.
  rows.forEach((r, i) => wrap.querySelectorAll("tbody > tr")[i].after(r.detail));
  log.append(wrap);
  if (found.nextBeforeId) {
    const more = el("button", { type: "button", onclick: () => { more.remove(); page(endpoints, id, query, log, found.nextBeforeId); } }, "Older attempts");
    log.append(more);
  }
}

function attemptRow(endpoints, id, a) {
  const detail = el("tr", { class: "attempt-detail", hidden: true }, el("td", { colspan: 7 }));
  const toggle = el("button", { type: "button", "aria-expanded": "false", "aria-label": `Details of attempt ${a.attemptId}` }, "Details");
  toggle.addEventListener("click", async () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    detail.hidden = !open;
    if (open && !detail.dataset.loaded) {
      detail.dataset.loaded = "1";
      detail.firstChild.replaceChildren(await attemptDetail(endpoints, id, a));
    }
  });
  const cells = [when(a.attemptedAt), attemptBadge(a), ms(a.latencyMs), String(a.events), a.errorClass || "–", a.batchId ?? "test", toggle];
  return { cells, detail };
}

async function attemptDetail(endpoints, id, a) {
  let d;
  try {
    d = await endpoints.attempt(id, a.attemptId);
  } catch (error) {
    return el("div", {}, unavailable(error, "The attempt's request and response"), el("h3", {}, "Response excerpt"), el("pre", {}, a.responseExcerpt || "(empty)"));
  }
  const headers = Object.entries(d.request.headers || {});
  const out = el("div", { "aria-live": "polite" });
  const replay = async () => {
    try {
      const queued = await endpoints.replayBatch(id, a.attemptId);
      notice(`Queued ${events(queued.queued)} again.`);
      out.replaceChildren(el("p", { class: "notice ok" }, `Queued ${events(queued.queued)} again (a new batch, same event ids).`));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return el("div", { class: "grid2" },
    el("div", {},
      el("h3", {}, "Request"), el("p", {}, el("code", {}, `${d.request.method} ${d.request.url}`)),
      stacked(table(["Header", "Value"], headers, { empty: "No headers were kept for this attempt." })),
      el("pre", { class: "request-body" }, pretty(d.request.body))),
    el("div", {},
      el("h3", {}, "Response"),
      el("p", {}, d.response.statusCode === null ? "No HTTP answer" : `HTTP ${d.response.statusCode}`, a.errorClass ? ` · ${a.errorClass}` : ""),
      el("pre", { class: "response-excerpt" }, d.response.excerpt || "(empty)"),
      a.batchId && endpoints.can("CreateAttempts") ? el("button", { type: "button", onclick: replay }, "Replay this batch") : null,
      out));
}

function pretty(body) {
  if (body === null || body === undefined) return "(no body kept: a test send, or the batch was purged)";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return String(body);
  }
}

function replayRange(endpoints, id) {
  const from = el("input", { name: "replayFrom", type: "datetime-local", required: true });
  const to = el("input", { name: "replayTo", type: "datetime-local" });
  const out = el("div", { "aria-live": "polite" });
  const submit = async (event) => {
    event.preventDefault();
    out.replaceChildren();
    const body = { from: isoOf(from.value), to: isoOf(to.value) };
    try {
      const counted = await endpoints.replay(id, { ...body, dryRun: true });
      if (counted.dryRun !== true) {
        return out.replaceChildren(el("p", { class: "error" }, `This server cannot count first: it queued ${events(counted.queued)} at once.`));
      }
      if (!counted.queued) return out.replaceChildren(el("p", {}, "Nothing to replay in that range."));
      const more = counted.truncated ? " (the first part of the range; replay again for the rest)" : "";
      if (!(await confirmDialog(`Replay ${events(counted.queued)}?${more}`, "Replay"))) return;
      const queued = await endpoints.replay(id, body);
      out.replaceChildren(el("p", { class: "notice ok" }, `Queued ${events(queued.queued)}.`));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return section("Replay a time range",
    el("p", { class: "muted" }, "Delivers again what this endpoint's subscriptions would have received in the range. You see the count before anything is queued."),
    el("form", { class: "filters", onsubmit: submit },
      field("From", from), field("To (empty: now)", to),
      el("button", { type: "submit", class: "primary" }, "Count and replay…")),
    out);
}
