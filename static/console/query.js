// A view's query in the hash (#/messages?recipient=…), and times between the API's ISO 8601
// (UTC) and a datetime-local control (the browser's local time).

// The hash of a view with the query's non-empty values: hashFor("/messages", {q: "x"}).
export function hashFor(path, query = {}) {
  const text = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== "")).toString();
  return text ? `#${path}?${text}` : `#${path}`;
}

export const localInput = (iso) =>
  iso && !Number.isNaN(Date.parse(iso)) ? new Date(Date.parse(iso) - new Date().getTimezoneOffset() * 60e3).toISOString().slice(0, 16) : "";

export const fromLocal = (value) => (value ? new Date(value).toISOString() : "");
