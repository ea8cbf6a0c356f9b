// The consumer portal's shell: the portal session (from a one-time link) decides which of the
// endpoints views show and what their controls may do; nothing else is reachable from here.
import { client, SignedOut } from "./api.js";
import { portalClient } from "./portal-api.js";
import { el, errorBox, when } from "./ui.js";

// #/<path>: the views the portal shows, by pattern (one capture: the endpoint's id).
const VIEWS = [
  [/^\/endpoints$/, "endpoints"],
  [/^\/endpoints\/([^/]+)$/, "endpoint"],
  [/^\/endpoints\/([^/]+)\/deliveries$/, "deliveries"],
  [/^\/catalog$/, "catalog"],
];

let session = null;
const api = client(() => session?.csrfToken || "");
const main = document.getElementById("main");

function routeOf(hash) {
  const [path = "", rawQuery = ""] = hash.replace(/^#/, "").split("?");
  const query = Object.fromEntries(new URLSearchParams(rawQuery));
  for (const [pattern, view] of VIEWS) {
    const found = pattern.exec(path || "/endpoints");
    if (found) return { view, path: path || "/endpoints", params: found[1] ? { id: decodeURIComponent(found[1]) } : {}, query };
  }
  return { view: null, path, params: {}, query };
}

function navigate(hash) {
  if (location.hash === hash) show();
  else location.hash = hash;
}

// A plain page with no navigation: the link is spent, or the session is over.
function plain(title, text) {
  document.getElementById("nav").hidden = true;
  document.getElementById("account").textContent = "";
  main.replaceChildren(el("section", { class: "card narrow ended" }, el("h1", {}, title), el("p", {}, text)));
}

const ended = () => plain("Your portal session has ended", "The link that opened it was revoked or has expired. Ask the team that sent it for a new link.");

let turn = 0;
async function show() {
  const route = routeOf(location.hash);
  const mine = ++turn;
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (route.path.startsWith(`/${a.dataset.nav}`)) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!route.view) return main.replaceChildren(el("h1", {}, "Not found"), el("p", {}, "No such page in the portal."));
  const root = el("div", { class: "view" });
  try {
    const module = await import(`./views/${route.view}.js`);
    if (mine !== turn) return;
    main.replaceChildren(root);
    await module.render(root, { api, route, navigate, session, endpoints: portalClient(api, session) });
  } catch (error) {
    if (error instanceof SignedOut) return ended();
    if (mine === turn) main.replaceChildren(el("h1", {}, "Something went wrong"), errorBox(error));
  }
}

async function start() {
  if (new URLSearchParams(location.search).get("link") === "invalid") {
    return plain("This link cannot be used", "This link is used, expired or revoked. Ask the team that sent it for a new one.");
  }
  try {
    session = await api.get("/portal/api/v1/session");
  } catch (error) {
    if (error instanceof SignedOut || error.status === 403 || error.status === 404) return ended();
    throw error;
  }
  const who = session.linkName ? `${session.linkName} · ` : "";
  document.getElementById("account").textContent = `${who}until ${when(session.expiresAt)}`;
  document.getElementById("nav").hidden = false;
  window.addEventListener("hashchange", show);
  await show();
}

start();
