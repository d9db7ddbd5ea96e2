// Prometheus metrics of a hubsync process (GET /metrics; `hubsync worker --metrics-port`).
export { ServiceMetrics, statusClass, type MetricSources } from './service-metrics.js';
export { metricsTokenMatches, startMetricsServer, type MetricsServer } from './metrics-server.js';
