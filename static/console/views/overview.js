// Overview: today's figures (a placeholder until the chart lands).
import { el, section, percent, ms } from "../ui.js";

export async function render(root, { api }) {
  const summary = await api.get("/api/v1/stats/summary");
  root.append(
    el("h1", {}, "Overview"),
    section("Last 24 hours",
      el("dl", { class: "figures" },
        el("dt", {}, "Sent"), el("dd", {}, summary.sent),
        el("dt", {}, "Not sent"), el("dd", {}, summary.notSent),
        el("dt", {}, "Bounce rate"), el("dd", {}, percent(summary.bounceRate)),
        el("dt", {}, "Webhook p95"), el("dd", {}, ms(summary.webhooks.latencyMs.p95)))),
  );
}
