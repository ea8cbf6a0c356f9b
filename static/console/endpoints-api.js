// The endpoints views' client on the console: ENS callbacks and subscriptions under
// /platform/v1. portal-api.js has the same method names over /portal/api/v1, so the endpoints,
// endpoint, deliveries and catalog views serve both.
const P = "/platform/v1";
const cb = (id) => `${P}/ens-callbacks/${encodeURIComponent(id)}`;
const CB = "event_notification_callback_";
const SUB = "event_notification_subscription_";

// Which of the portal's permissions the console's scopes amount to.
const NEEDS = {
  ViewBase: [CB + "read"],
  ManageEndpoint: [CB + "update", SUB + "create", SUB + "update", SUB + "delete"],
  CreateEndpoint: [CB + "create"],
  CreateAttempts: [CB + "update"],
  ManageEndpointSecret: [CB + "update"],
  ViewEndpointSecret: null, // the API never shows a key again after it was given
};

export function endpointsClient(api, session) {
  const scopes = new Set(session?.scopes || []);
  const one = (list) => (Array.isArray(list) ? list[0] : list);
  return {
    kind: "console",
    can: (permission) => (NEEDS[permission] || [null]).every((scope) => scope !== null && scopes.has(scope)),
    list: () => api.get(`${P}/ens-callbacks`),
    get: (id) => api.get(cb(id)),
    health: (id) => api.get(`${cb(id)}/health`),
    create: async (item) => one(await api.post(`${P}/ens-callbacks`, [item])),
    update: async (id, changes) => one(await api.put(`${P}/ens-callbacks`, [{ callbackId: id, ...changes }])),
    remove: (id) => api.del(cb(id)),
    probe: (id) => api.post(`${cb(id)}/probe`),
    verify: (id, verificationKey) => api.post(`${P}/ens-verify`, { callbackId: id, verificationKey }),
    enable: (id) => api.post(`${cb(id)}/enable`),
    secret: async () => null,
    rotate: (id) => api.put(`${P}/ens-regenerate`, { callbackId: id }),
    test: (id) => api.post(`${cb(id)}/test`),
    subscriptions: (id) => api.get(`${P}/ens-subscriptions-by-cb/${encodeURIComponent(id)}`),
    subscribe: async (id, item) => one(await api.post(`${P}/ens-subscriptions`, [{ callbackId: id, ...item }])),
    updateSubscription: async (id, subscriptionId, changes) =>
      one(await api.put(`${P}/ens-subscriptions`, [{ subscriptionId, ...changes }])),
    unsubscribe: (id, subscriptionId) => api.del(`${P}/ens-subscriptions/${encodeURIComponent(subscriptionId)}`),
    attempts: (id, query) => api.get(`${cb(id)}/attempts`, query),
    attempt: (id, attemptId) => api.get(`${cb(id)}/attempts/${encodeURIComponent(attemptId)}`),
    replay: (id, body) => api.post(`${cb(id)}/replay`, body),
    replayBatch: (id, attemptId) => api.post(`${cb(id)}/attempts/${encodeURIComponent(attemptId)}/replay`),
    eventTypes: () => api.get(`${P}/event-types`),
  };
}
