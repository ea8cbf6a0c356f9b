// DOM helpers for every view. Data is only ever put in as text or attribute values, never as
// markup: el() sets textContent and attributes, and nothing here touches innerHTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A table from headings and rows; a cell is text, a Node, or null (shown as "–").
export function table(headings, rows, { empty = "Nothing here yet.", caption } = {}) {
  const head = el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h))));
  const body = el("tbody");
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: headings.length, class: "empty" }, empty)));
  for (const cells of rows) {
    body.append(el("tr", {}, cells.map((cell) => el("td", {}, cell ?? "–"))));
  }
  return el("div", { class: "table-wrap" }, el("table", {}, caption ? el("caption", {}, caption) : null, head, body));
}

// A labelled form control: label text, then the control (input/select/textarea) inside.
export function field(label, control, hint) {
  return el("label", { class: "field" }, el("span", {}, label), control, hint ? el("small", { class: "muted" }, hint) : null);
}

export function section(title, ...children) {
  return el("section", { class: "card" }, el("h2", {}, title), ...children);
}

export function badge(text, kind = "") {
  return el("span", { class: `badge ${kind}`.trim() }, text);
}

export function link(text, hash) {
  return el("a", { href: hash }, text);
}

// Secrets are shown once: a read-only field with a copy button and the warning.
export function secretOnce(label, value) {
  const input = el("input", { value, readonly: true, class: "secret", "aria-label": label, size: Math.min(60, value.length) });
  const copy = el("button", { type: "button", onclick: () => navigator.clipboard?.writeText(value) }, "Copy");
  return el("div", { class: "once", role: "alert" }, el("strong", {}, label), " — shown once, store it now.", el("div", { class: "row" }, input, copy));
}

export function notice(text, kind = "ok") {
  const box = document.getElementById("notice");
  box.replaceChildren(el("p", { class: `notice ${kind}` }, text));
}

export function errorBox(error) {
  return el("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error));
}

// Confirm a consequential action in the page (no window.confirm, so it is testable and styled).
export function confirmDialog(message, confirmText = "Confirm") {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "confirm" });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      el("p", {}, message),
      el("div", { class: "row" },
        el("button", { type: "button", class: "primary", onclick: () => done(true) }, confirmText),
        el("button", { type: "button", onclick: () => done(false) }, "Cancel")),
    );
    dialog.addEventListener("cancel", () => done(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }) : "–");
export const ms = (x) => (x === null || x === undefined ? "–" : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
export const percent = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);

// The event types the server put into the page: [{type, short, colour}].
export const EVENT_TYPES = JSON.parse(document.getElementById("event-types")?.textContent || "[]");
