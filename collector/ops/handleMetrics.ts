// GET /metrics: the Prometheus text format (ops/createMetrics.ts), under the
// read side's access rule.
import type {Handler} from '../http/route';

export const handleMetrics: Handler = async (_request, collector) => {
  const {contentType, body} = await collector.metrics.render();
  return {status: 200, body, headers: {'Content-Type': contentType, 'Cache-Control': 'no-store'}};
};
