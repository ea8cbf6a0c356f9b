// Portal links: hand a receiving team a one-time link to a portal limited to some endpoints and
// permissions, for 1 hour to 7 days; list and revoke them (revoking ends their sessions too).
import { stacked, unavailable } from "../endpoints-ui.js";
import { badge, confirmDialog, el, errorBox, field, notice, secretOnce, section, table, when } from "../ui.js";

const LINKS = "/platform/v1/portal-links";
export const PERMISSIONS = [
  ["ViewBase", "See the endpoints, their health, the delivery log and the event catalog (always granted)."],
  ["ViewEndpointSecret", "See an endpoint's signing key."],
  ["ManageEndpointSecret", "Rotate an endpoint's signing key."],
  ["ManageEndpoint", "Edit, verify, pause, re-enable and delete endpoints and their subscriptions."],
  ["CreateAttempts", "Send test events and replay deliveries."],
];
const VALIDITY = [[3600, "1 hour"], [6 * 3600, "6 hours"], [86400, "1 day"], [3 * 86400, "3 days"], [7 * 86400, "7 days"]];

export async function render(root, { api }) {
  root.append(el("h1", {}, "Portal links"));
  let links;
  try {
    links = await api.get(LINKS);
  } catch (error) {
    root.append(unavailable(error, "Portal links"));
    return;
  }
  const callbacks = await api.get("/platform/v1/ens-callbacks");
  const names = Object.fromEntries(callbacks.map((c) => [c.callbackId, c.callbackName]));
  const list = el("div");
  const again = async () => list.replaceChildren(listOf(api, (await api.get(LINKS)).items, names, again));
  list.append(listOf(api, links.items, names, again));
  root.append(createForm(api, callbacks, again), section("Links", list));
}

function createForm(api, callbacks, again) {
  const name = el("input", { name: "name", maxlength: 200, placeholder: "Team receiving the webhooks" });
  const picks = callbacks.map((c) => el("label", { class: "check" }, el("input", { type: "checkbox", name: "callbackIds", value: c.callbackId }), ` ${c.callbackName}`));
  const mayCreate = el("input", { type: "checkbox", name: "mayCreateCallbacks" });
  const perms = PERMISSIONS.map(([p, meaning]) => el("label", { class: "check" },
    el("input", { type: "checkbox", name: "permissions", value: p, checked: p === "ViewBase", disabled: p === "ViewBase" }),
    ` ${p}`, el("small", { class: "muted" }, ` — ${meaning}`)));
  const validity = el("select", { name: "expiresInSeconds" }, VALIDITY.map(([s, text]) => el("option", { value: s, selected: s === 86400 }, text)));
  const out = el("div", { "aria-live": "polite" });
  const checked = (labels) => labels.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
  const submit = async (event) => {
    event.preventDefault();
    const body = {
      callbackIds: checked(picks), mayCreateCallbacks: mayCreate.checked,
      permissions: checked(perms), expiresInSeconds: Number(validity.value), name: name.value.trim() || undefined,
    };
    try {
      const made = await api.post(LINKS, body);
      out.replaceChildren(secretOnce("Portal link", made.url), el("p", {}, `Usable once, until ${when(made.expiresAt)}. Send it to the receiving team.`));
      notice("Portal link created.");
      await again();
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return section("New portal link",
    el("form", { onsubmit: submit },
      field("Name", name),
      el("fieldset", {}, el("legend", {}, "Endpoints it may see"), picks.length ? picks : el("p", { class: "muted" }, "No endpoints yet.")),
      el("label", {}, mayCreate, " May create new endpoints (they join the link's set)"),
      el("fieldset", {}, el("legend", {}, "Permissions"), perms),
      field("Valid for", validity),
      el("button", { type: "submit", class: "primary" }, "Create link")),
    out);
}

function stateOf(link) {
  if (link.revokedAt) return badge("revoked", "bad");
  if (link.expiresAt && new Date(link.expiresAt) < new Date()) return badge("expired", "bad");
  if (link.usedAt) return badge("opened", "ok");
  return badge("not opened yet", "warn");
}

function listOf(api, links, names, again) {
  const rows = links.map((link) => {
    const revoke = async () => {
      const label = link.name || link.id;
      if (!(await confirmDialog(`Revoke the portal link "${label}"? Anyone using it is signed out at once.`, "Revoke"))) return;
      try {
        await api.del(`${LINKS}/${encodeURIComponent(link.id)}`);
        notice("Portal link revoked.");
        again();
      } catch (error) {
        notice(error.message, "error");
      }
    };
    const endpoints = (link.callbackIds || []).map((id) => names[id] || id).join(", ") || "–";
    return [
      link.name || "–", endpoints + (link.mayCreateCallbacks ? " (+ may create)" : ""),
      (link.permissions || []).join(", "), when(link.expiresAt), stateOf(link),
      link.revokedAt ? null : el("button", { type: "button", class: "danger", onclick: revoke, "aria-label": `Revoke ${link.name || link.id}` }, "Revoke"),
    ];
  });
  return stacked(table(["Name", "Endpoints", "Permissions", "Expires", "State", ""], rows, { empty: "No portal links." }));
}
