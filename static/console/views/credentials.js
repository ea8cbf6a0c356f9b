// Credentials: the account's API clients (OAuth2 client credentials) and API tokens (Broadcast
// style). Create one with chosen scopes (its secret is shown once), or revoke one after a
// confirmation. A client may grant only scopes it holds, and this session's client is not
// revocable from here (so nobody locks themselves out by one click).
import { ApiError } from "../api.js";
import { badge, confirmDialog, el, errorBox, field, notice, secretOnce, section, table, when } from "../ui.js";

const TOKEN_SCOPES = ["transactional_read", "transactional_write"];

function scopeBoxes(name, scopes, checked = []) {
  return el("fieldset", { class: "scopes" }, el("legend", {}, "Scopes"),
    scopes.map((scope) => el("label", { class: "check" },
      el("input", { type: "checkbox", name, value: scope, checked: checked.includes(scope) }), " ", scope)));
}

function createForm({ kind, scopes, checked, onCreate }) {
  const name = el("input", { name: "name", maxlength: 100, autocomplete: "off" });
  const boxes = scopeBoxes(`${kind}-scope`, scopes, checked);
  const out = el("div", { class: "created", "aria-live": "polite" });
  const submit = async (event) => {
    event.preventDefault();
    out.replaceChildren();
    const chosen = [...boxes.querySelectorAll("input:checked")].map((box) => box.value);
    if (!chosen.length) return out.replaceChildren(errorBox("Choose at least one scope."));
    try {
      out.replaceChildren(...(await onCreate({ scopes: chosen, ...(name.value.trim() ? { name: name.value.trim() } : {}) })));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return el("form", { class: "create", id: `create-${kind}`, "aria-label": `Create an ${kind === "client" ? "API client" : "API token"}`, onsubmit: submit },
    field("Name (optional)", name), boxes, el("button", { type: "submit", class: "primary" }, kind === "client" ? "Create client" : "Create token"), out);
}

function revokeButton(label, what, revoke) {
  return el("button", { type: "button", class: "danger", "aria-label": `Revoke ${label}`, onclick: async () => {
    if (!(await confirmDialog(`Revoke ${label}? ${what}`, "Revoke"))) return;
    try {
      await revoke();
      notice(`${label} is revoked.`);
    } catch (error) {
      notice(error.message, "bad");
    }
  } }, "Revoke");
}

function state(item) {
  return item.revokedAt ? badge(`revoked ${when(item.revokedAt)}`, "disabled") : badge("active", "ok");
}

function clients(list, { api, session, rerender }) {
  return table(["Client id", "Name", "Scopes", "Created", "Last used", "State", ""], list.items.map((c) => [
    el("code", {}, c.clientId), c.name, c.scopes.join(" "), when(c.createdAt), when(c.lastUsedAt), state(c),
    c.revokedAt ? null : c.clientId === session.clientId ? el("span", { class: "muted" }, "this session")
      : revokeButton(`client ${c.clientId}`, "Its tokens and console sessions stop working at once.", async () => {
        await api.del(`/platform/v1/clients/${encodeURIComponent(c.clientId)}`);
        rerender();
      })]), { empty: "No API clients." });
}

function tokens(list, { api, rerender }) {
  return table(["Token", "Name", "Scopes", "Created", "Last used", "State", ""], list.items.map((t) => {
    const id = t.tokenId ?? t.id;
    return [el("code", {}, t.prefix ?? id), t.name, t.scopes.join(" "), when(t.createdAt), when(t.lastUsedAt), state(t),
      t.revokedAt ? null : revokeButton(`token ${t.name || id}`, "Requests with it are refused at once.", async () => {
        await api.del(`/platform/v1/api-tokens/${encodeURIComponent(id)}`);
        rerender();
      })];
  }), { empty: "No API tokens." });
}

async function load(api, path) {
  try {
    return await api.get(path);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return error;
    throw error;
  }
}

const unavailable = (error) => el("p", { class: "muted", "data-unavailable": "credentials" },
  error.status === 403 ? "This client may not manage credentials (it needs the credentials_manage scope)." : "Not available on this server.");

export async function render(root, ctx) {
  const { api, session, navigate } = ctx;
  const rerender = () => navigate("#/credentials");
  const [clientList, tokenList] = await Promise.all([load(api, "/platform/v1/clients"), load(api, "/platform/v1/api-tokens")]);
  const grantable = (session.scopes || []).filter((s) => !TOKEN_SCOPES.includes(s));
  const newClient = async (body) => {
    const made = await api.post("/platform/v1/clients", body);
    const list = await load(api, "/platform/v1/clients");
    if (!(list instanceof Error)) document.getElementById("client-list").replaceChildren(clients(list, { api, session, rerender }));
    return [el("p", {}, "Client id ", el("code", { class: "new-id" }, made.clientId)), secretOnce("Client secret", made.clientSecret)];
  };
  const newToken = async (body) => {
    const made = await api.post("/platform/v1/api-tokens", body);
    const list = await load(api, "/platform/v1/api-tokens");
    if (!(list instanceof Error)) document.getElementById("token-list").replaceChildren(tokens(list, { api, rerender }));
    return [secretOnce("API token", made.token)];
  };
  root.append(
    el("h1", {}, "Credentials"),
    section("API clients",
      el("p", { class: "muted" }, "OAuth2 client credentials for the SFMC-style API (POST /v2/token) and for signing in here."),
      el("div", { id: "client-list" }, clientList instanceof Error ? unavailable(clientList) : clients(clientList, { api, session, rerender })),
      clientList instanceof Error ? null : el("details", {}, el("summary", {}, "Create an API client"),
        createForm({ kind: "client", scopes: grantable, checked: [], onCreate: newClient }))),
    section("API tokens",
      el("p", { class: "muted" }, "Long-lived bearer tokens for the Broadcast-style API (POST /api/v1/transactionals.json)."),
      el("div", { id: "token-list" }, tokenList instanceof Error ? unavailable(tokenList) : tokens(tokenList, { api, rerender })),
      tokenList instanceof Error ? null : el("details", {}, el("summary", {}, "Create an API token"),
        createForm({ kind: "token", scopes: TOKEN_SCOPES, checked: ["transactional_read", "transactional_write"], onCreate: newToken }))),
  );
}
