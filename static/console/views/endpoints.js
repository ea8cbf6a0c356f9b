// Endpoints: the callbacks with their status and health, and a new one (probed, then verified
// in the page with the key the probe carried).
import { endpointsOf, healthBadge, stacked, statusBadge, verifyStep } from "../endpoints-ui.js";
import { el, errorBox, field, link, secretOnce, section, table } from "../ui.js";

export async function render(root, ctx) {
  const endpoints = endpointsOf(ctx);
  const callbacks = await endpoints.list();
  const created = el("div");
  root.append(el("h1", {}, "Endpoints"));
  if (endpoints.can("CreateEndpoint")) root.append(createForm(endpoints, created, ctx), created);
  root.append(section("Your endpoints", listOf(endpoints, callbacks)));
}

function listOf(endpoints, callbacks) {
  const rows = callbacks.map((c) => {
    const health = el("span", { class: "muted" }, "…");
    endpoints.health(c.callbackId).then(
      (h) => health.replaceChildren(healthBadge(h.state)),
      () => health.replaceChildren("–"),
    );
    return [link(c.callbackName, `#/endpoints/${encodeURIComponent(c.callbackId)}`), c.url, statusBadge(c.status), health, String(c.maxBatchSize)];
  });
  return stacked(table(["Name", "URL", "Status", "Health (24 h)", "Batch size"], rows, { empty: "No endpoints yet." }));
}

function createForm(endpoints, created, ctx) {
  const url = el("input", { name: "url", type: "url", required: true, placeholder: "https://hooks.example.com/tidings" });
  const name = el("input", { name: "callbackName", required: true, maxlength: 200 });
  const size = el("input", { name: "maxBatchSize", type: "number", min: 1, max: 1000, value: 100, required: true });
  const encoding = el("select", { name: "keyEncoding" },
    el("option", { value: "base64" }, "base64 (SFMC: HMAC with the decoded key)"),
    el("option", { value: "utf8" }, "utf8 (HMAC with the key's text)"));
  const strict = el("input", { type: "checkbox", name: "strictOrder" });
  const sfmc = el("input", { type: "checkbox", name: "sfmcStrict" });
  const out = el("div", { "aria-live": "polite" });
  const submit = async (event) => {
    event.preventDefault();
    out.replaceChildren();
    const item = {
      url: url.value.trim(), callbackName: name.value, maxBatchSize: Number(size.value),
      keyEncoding: encoding.value, strictOrder: strict.checked, sfmcStrict: sfmc.checked,
    };
    try {
      showCreated(endpoints, await endpoints.create(item), null, created, ctx);
      event.target.reset();
    } catch (error) {
      const kept = error.body?.callbacks?.[0];
      if (kept) showCreated(endpoints, kept, error, created, ctx);
      else out.append(errorBox(error));
    }
  };
  return section("New endpoint",
    el("p", { class: "muted" }, "Tidings POSTs a verification key to the URL first; you then paste it here to verify."),
    el("form", { onsubmit: submit },
      field("URL", url), field("Name", name), field("Events per POST (1–1000)", size),
      field("Signing key encoding", encoding),
      el("label", {}, strict, " Deliver in order (a failing batch holds back later ones)"),
      el("label", {}, sfmc, " Only SFMC's event fields (no Tidings extensions)"),
      el("button", { type: "submit", class: "primary" }, "Create and probe")),
    out);
}

function showCreated(endpoints, callback, probeError, created, ctx) {
  const open = `#/endpoints/${encodeURIComponent(callback.callbackId)}`;
  created.replaceChildren(
    section(`Created: ${callback.callbackName}`,
      probeError ? errorBox(probeError) : el("p", { class: "notice ok" }, "The probe reached your URL."),
      callback.signatureKey ? secretOnce("Signing key", callback.signatureKey) : null),
    verifyStep(endpoints, callback, () => ctx.navigate(open)),
    el("p", {}, link("Open the endpoint", open)),
  );
  created.querySelector("textarea")?.focus();
}
