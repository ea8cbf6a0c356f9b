// The API reference: the vendored Swagger UI (global SwaggerUIBundle) renders /openapi.json.
// "Try it out" runs in this browser on the console's session: same-origin requests carry the
// session cookie, and the interceptor adds the session's CSRF token to writes (the cookie alone
// authorises reads only). Signed out, a request may carry a bearer token set with "Authorize".

const session = await fetch("/console/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
  .then((r) => (r.ok ? r.json() : { signedIn: false }))
  .catch(() => ({ signedIn: false }));

document.getElementById("session").textContent = session.signedIn
  ? `Try-it requests run as client ${session.clientId} (account ${session.accountId}), on the console's session.`
  : "Not signed in to the console: sign in there to try requests on its session, or use Authorize with a bearer token.";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function withSession(request) {
  const url = new URL(request.url, location.href);
  if (url.origin !== location.origin) return request; // the session goes to this server only
  request.credentials = "same-origin";
  if (session.signedIn && WRITES.has(String(request.method).toUpperCase())) {
    request.headers["X-CSRF-Token"] = session.csrfToken;
  }
  return request;
}

document.getElementById("loading").remove();
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger",
  deepLinking: true,
  filter: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  showExtensions: true,
  validatorUrl: null, // no badge fetched from another host
  requestInterceptor: withSession,
});
