// @ts-check
import { getJson } from "./api.js";
import { renderColumnChart, sparkline } from "./charts.js";
import { element, fillRows, tableRow } from "./dom.js";
import { formatCount } from "./format.js";

/**
 * The usage view's last-hour panels, from GET /v1/traffic: latency and time to first token per
 * model, errors and failovers per provider, requests refused by a budget or a rate limit. One
 * point per minute; what a project key sees comes from its own projects' requests only.
 *
 * @typedef {{ requests: number, p50_ms: number | null, p95_ms: number | null,
 *   ttft_p50_ms: number | null, ttft_p95_ms: number | null }} LatencyPoint
 * @typedef {{ attempts: number, errors: number, failovers: number }} ProviderPoint
 * @typedef {{ budget: number, rate_limit: number }} RefusalPoint
 * @typedef {{ bucket_ms: number, minutes: string[],
 *   models: Array<{ deployment: string, series: LatencyPoint[] } & LatencyPoint>,
 *   providers: Array<{ provider: string, error_rate: number | null, series: ProviderPoint[] } & ProviderPoint>,
 *   refusals: Array<{ project_id: string, series: RefusalPoint[] } & RefusalPoint> }} TrafficReport
 */

/** @param {() => boolean} isCurrent false once a newer refresh started: its answer is dropped */
export async function loadTraffic(isCurrent) {
  const report = /** @type {TrafficReport} */ (await getJson("traffic"));
  if (!isCurrent()) return;
  renderLatency(report);
  renderProviders(report);
  renderRefusals(report);
}

/** `HH:MM` of each minute, for column titles. @param {string[]} minutes */
function minuteLabels(minutes) {
  return minutes.map((minute) => minute.slice(11, 16));
}

/** @param {number | null} ms */
function formatMs(ms) {
  if (ms === null) return "–";
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${formatCount(Math.round(ms))} ms`;
}

/** @param {TrafficReport} report */
function renderLatency(report) {
  const labels = minuteLabels(report.minutes);
  fillRows(
    element("latency-by-model", HTMLTableElement),
    report.models.map((model) => {
      const row = tableRow([
        model.deployment,
        formatCount(model.requests),
        formatMs(model.p50_ms),
        formatMs(model.p95_ms),
        formatMs(model.ttft_p50_ms),
        formatMs(model.ttft_p95_ms),
        sparkline(
          model.series.map((point) => point.p95_ms),
          {
            className: "latency",
            label: `${model.deployment}: p95 latency per minute, last hour`,
            titles: model.series.map(
              (point, index) =>
                `${labels[index]} UTC: ${formatCount(point.requests)} requests, p50 ${formatMs(point.p50_ms)}, ` +
                `p95 ${formatMs(point.p95_ms)}, TTFT p95 ${formatMs(point.ttft_p95_ms)}`,
            ),
          },
        ),
      ]);
      row.dataset.key = model.deployment;
      return row;
    }),
    "No answered request in the last hour.",
  );
}

/** @param {TrafficReport} report */
function renderProviders(report) {
  const labels = minuteLabels(report.minutes);
  fillRows(
    element("errors-by-provider", HTMLTableElement),
    report.providers.map((provider) => {
      const rate = provider.error_rate === null ? "–" : `${(provider.error_rate * 100).toFixed(1)}%`;
      const row = tableRow([
        provider.provider,
        formatCount(provider.attempts),
        formatCount(provider.errors),
        rate,
        formatCount(provider.failovers),
        sparkline(
          provider.series.map((point) => point.errors),
          {
            className: "errors",
            label: `${provider.provider}: failed calls per minute, last hour`,
            titles: provider.series.map(
              (point, index) =>
                `${labels[index]} UTC: ${formatCount(point.attempts)} calls, ${formatCount(point.errors)} failed, ` +
                `${formatCount(point.failovers)} failed over`,
            ),
          },
        ),
      ]);
      row.dataset.key = provider.provider;
      if (provider.errors > 0) row.classList.add("has-errors");
      return row;
    }),
    "No provider was called in the last hour.",
  );
}

/** @param {TrafficReport} report */
function renderRefusals(report) {
  const labels = minuteLabels(report.minutes);
  const perMinute = report.minutes.map((_, index) => {
    const total = { budget: 0, rate_limit: 0 };
    for (const project of report.refusals) {
      total.budget += project.series[index]?.budget ?? 0;
      total.rate_limit += project.series[index]?.rate_limit ?? 0;
    }
    return total;
  });
  renderColumnChart(element("refusals-chart", HTMLElement), {
    columns: perMinute.map((point, index) => ({
      label: labels[index] ?? "",
      title: `${labels[index]} UTC: ${formatCount(point.budget)} over budget, ${formatCount(point.rate_limit)} rate limited`,
      values: [point.budget, point.rate_limit],
    })),
    series: [
      { name: "over budget", className: "refused-budget" },
      { name: "rate limited", className: "refused-rate" },
    ],
    formatTick: (value) => formatCount(value),
    emptyText: "No request refused in the last hour.",
  });
  fillRows(
    element("refusals-by-project", HTMLTableElement),
    report.refusals.map((project) => {
      const row = tableRow([
        project.project_id,
        formatCount(project.budget),
        formatCount(project.rate_limit),
        formatCount(project.budget + project.rate_limit),
      ]);
      row.dataset.key = project.project_id;
      return row;
    }),
    "No request refused in the last hour.",
  );
}
