"use strict";
// Renders /openapi.json as a list of operations grouped by tag. Text only goes in through
// textContent, so nothing in the description can inject markup.

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

function resolve(schema, doc, depth) {
  if (!schema || depth > 6) return schema;
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split("/").pop()], doc, depth + 1);
  const out = Array.isArray(schema) ? [] : {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = value && typeof value === "object" ? resolve(value, doc, depth + 1) : value;
  }
  return out;
}

function schemaBlock(schema, doc) {
  return el("pre", {}, JSON.stringify(resolve(schema, doc, 0), null, 2));
}

// An empty requirement ({}) among the alternatives means the token is optional.
function tokenNeeded(security) {
  if (!security) return "no token";
  return security.some((s) => Object.keys(s).length === 0) ? "token only if configured" : "bearer token";
}

function operation(method, path, op, doc) {
  const scopes = (op.security || []).flatMap((s) => Object.values(s).flat());
  const head = el("summary", {},
    el("span", { class: `method m-${method}` }, method.toUpperCase()),
    el("span", { class: "path" }, path), " — ", op.summary || "",
    el("span", { class: "scope" }, scopes.length ? `scope: ${scopes.join(", ")}` : tokenNeeded(op.security)));
  const body = el("div", {});
  if (op.parameters) {
    const rows = op.parameters.map((p) => el("tr", {}, el("td", {}, p.name), el("td", {}, p.in),
      el("td", {}, String(p.schema && p.schema.type || ""))));
    body.append(el("h4", {}, "Parameters"), el("table", {}, ...rows));
  }
  if (op.requestBody) {
    const [type, media] = Object.entries(op.requestBody.content)[0];
    body.append(el("h4", {}, `Request body (${type})`), schemaBlock(media.schema, doc));
  }
  body.append(el("h4", {}, "Responses"));
  for (const [code, answer] of Object.entries(op.responses)) {
    body.append(el("div", {}, el("strong", {}, code), " ", answer.description || ""));
    const json = answer.content && answer.content["application/json"];
    if (json && code < 300) body.append(schemaBlock(json.schema, doc));
  }
  return el("details", { class: "op", "data-text": `${method} ${path} ${op.summary}`.toLowerCase() }, head, body);
}

async function main() {
  const doc = await (await fetch("/openapi.json")).json();
  const byTag = new Map();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags || ["Other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(method, path, op, doc));
    }
  }
  const main = document.getElementById("operations");
  const nav = document.getElementById("tags");
  main.replaceChildren();
  let n = 0;
  for (const [tag, ops] of byTag) {
    const id = `tag-${n++}`;
    nav.append(el("a", { href: `#${id}` }, tag));
    main.append(el("h2", { id }, tag), ...ops);
  }
  document.getElementById("filter").addEventListener("input", (event) => {
    const wanted = event.target.value.toLowerCase();
    for (const op of main.querySelectorAll("details.op")) {
      op.hidden = wanted !== "" && !op.dataset.text.includes(wanted);
    }
  });
}

main().catch((error) => {
  document.getElementById("operations").replaceChildren(el("p", {}, `Could not load the description: ${error}`));
});
