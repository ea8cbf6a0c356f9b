// The console shell: checks the session, then routes #/<view>/<id>?<query> to a view module.
// A view module exports render(root, ctx); ctx = {api, route, navigate, session}.
import { client, SignedOut } from "./api.js";
import { el, errorBox } from "./ui.js";

// Route patterns, first match wins: ":name" captures one path segment.
const ROUTES = [
  ["/overview", "overview"],
  ["/messages", "messages"],
  ["/messages/:id", "message"],
  ["/endpoints", "endpoints"],
  ["/endpoints/:id", "endpoint"],
  ["/endpoints/:id/deliveries", "deliveries"],
  ["/suppressions", "suppressions"],
  ["/catalog", "catalog"],
  ["/credentials", "credentials"],
  ["/portal-links", "portal-links"],
];

let session = null;
const api = client(() => session?.csrfToken || "");

export function parse(hash) {
  const [rawPath, rawQuery = ""] = hash.replace(/^#/, "").split("?");
  const path = rawPath || "/overview";
  const query = Object.fromEntries(new URLSearchParams(rawQuery));
  for (const [pattern, view] of ROUTES) {
    const names = pattern.split("/");
    const parts = path.split("/");
    if (names.length !== parts.length) continue;
    const params = {};
    if (names.every((name, i) => (name.startsWith(":") ? (params[name.slice(1)] = decodeURIComponent(parts[i])) !== "" : name === parts[i]))) {
      return { view, path, params, query };
    }
  }
  return { view: null, path, params: {}, query };
}

export function navigate(hash) {
  if (location.hash === hash) show();
  else location.hash = hash;
}

let showing = 0;
async function show() {
  const route = parse(location.hash);
  const main = document.getElementById("main");
  const turn = ++showing;
  for (const link of document.querySelectorAll("[data-nav]")) {
    const current = route.path === `/${link.dataset.nav}` || route.path.startsWith(`/${link.dataset.nav}/`);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!route.view) {
    main.replaceChildren(el("h1", {}, "Not found"), el("p", {}, "No such page in the console."));
    return;
  }
  const root = el("div", { class: "view" });
  try {
    const module = await import(`./views/${route.view}.js`);
    if (turn !== showing) return;
    main.replaceChildren(root);
    await module.render(root, { api, route, navigate, session });
  } catch (error) {
    if (error instanceof SignedOut) return signedOut();
    if (turn === showing) main.replaceChildren(el("h1", {}, "Something went wrong"), errorBox(error));
  }
}

function signedOut() {
  document.getElementById("main").hidden = true;
  document.getElementById("nav").hidden = true;
  document.getElementById("signout").hidden = true;
  document.getElementById("signin").hidden = false;
  if (new URLSearchParams(location.search).get("signin") === "failed") {
    document.getElementById("signin-failed").hidden = false;
  }
}

async function start() {
  session = await api.get("/console/session");
  if (!session.signedIn) return signedOut();
  document.getElementById("account").textContent = `account ${session.accountId} · ${session.clientId}`;
  for (const id of ["main", "nav", "signout"]) document.getElementById(id).hidden = false;
  window.addEventListener("hashchange", show);
  await show();
}

start();
