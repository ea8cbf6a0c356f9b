// The console's HTTP client: JSON over fetch with the session cookie, and the session's CSRF
// token on every write. Errors become ApiError with the message the API gave.

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class SignedOut extends ApiError {}

// The API answers in the body shape of its family: SFMC {message}, Broadcast {errors: {..}},
// RFC 6749 {error_description}. One readable line from any of them.
export function messageOf(body, status) {
  if (body && typeof body === "object") {
    if (typeof body.message === "string") return body.message;
    if (typeof body.error_description === "string") return body.error_description;
    if (body.errors && typeof body.errors === "object") {
      return Object.entries(body.errors)
        .map(([field, problems]) => `${field}: ${[].concat(problems).join(", ")}`)
        .join("; ");
    }
  }
  return `HTTP ${status}`;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

// A client for one base (the console's session, or a portal session): csrf() gives the token.
export function client(csrf) {
  async function request(method, path, { query, body } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(withQuery(path, query), {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (response.status === 401) throw new SignedOut(401, "Signed out", parsed);
    if (!response.ok) throw new ApiError(response.status, messageOf(parsed, response.status), parsed);
    return parsed;
  }
  return {
    request,
    get: (path, query) => request("GET", path, { query }),
    post: (path, body, query) => request("POST", path, { body, query }),
    put: (path, body) => request("PUT", path, { body }),
    patch: (path, body) => request("PATCH", path, { body }),
    del: (path, query) => request("DELETE", path, { query }),
  };
}
