// The endpoints views' client in the consumer portal: the same method names as
// endpoints-api.js, over /portal/api/v1 (the portal cookie, and its CSRF token on writes).
// What the session's permissions do not grant, can() says no to; the server refuses it anyway.
const B = "/portal/api/v1";
const cb = (id) => `${B}/callbacks/${encodeURIComponent(id)}`;
const sub = (id, subscriptionId) => `${cb(id)}/subscriptions/${encodeURIComponent(subscriptionId)}`;

export function portalClient(api, session) {
  const granted = new Set(["ViewBase", ...(session?.permissions || [])]);
  if (session?.mayCreateCallbacks && granted.has("ManageEndpoint")) granted.add("CreateEndpoint");
  const one = (list) => (Array.isArray(list) ? list[0] : list);
  return {
    kind: "portal",
    can: (permission) => granted.has(permission),
    list: () => api.get(`${B}/callbacks`),
    get: (id) => api.get(cb(id)),
    health: (id) => api.get(`${cb(id)}/health`),
    create: async (item) => one(await api.post(`${B}/callbacks`, [item])),
    update: (id, changes) => api.patch(cb(id), changes),
    remove: (id) => api.del(cb(id)),
    probe: (id) => api.post(`${cb(id)}/probe`),
    verify: (id, verificationKey) => api.post(`${B}/verify`, { callbackId: id, verificationKey }),
    enable: (id) => api.post(`${cb(id)}/enable`),
    secret: (id) => api.get(`${cb(id)}/secret`),
    rotate: (id) => api.post(`${cb(id)}/rotate`),
    test: (id) => api.post(`${cb(id)}/test`),
    subscriptions: (id) => api.get(`${cb(id)}/subscriptions`),
    subscribe: async (id, item) => one(await api.post(`${cb(id)}/subscriptions`, [item])),
    updateSubscription: (id, subscriptionId, changes) => api.patch(sub(id, subscriptionId), changes),
    unsubscribe: (id, subscriptionId) => api.del(sub(id, subscriptionId)),
    attempts: (id, query) => api.get(`${cb(id)}/attempts`, query),
    attempt: (id, attemptId) => api.get(`${cb(id)}/attempts/${encodeURIComponent(attemptId)}`),
    replay: (id, body) => api.post(`${cb(id)}/replay`, body),
    replayBatch: (id, attemptId) => api.post(`${cb(id)}/attempts/${encodeURIComponent(attemptId)}/replay`),
    eventTypes: () => api.get(`${B}/event-types`),
  };
}
