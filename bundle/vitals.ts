// Web vitals as custom events. web-vitals reports each metric when it is final
// (or on hide), once per page load, so listeners are registered once and
// report through whatever `report` currently points at.
import {onCLS, onFCP, onINP, onLCP, onTTFB, type Metric} from 'web-vitals';

export interface VitalPayload {
  name: Metric['name'];
  value: number;
  rating: Metric['rating'];
  delta: number;
  id: string;
  navigationType: Metric['navigationType'];
  /** rrweb node id of the LCP element or the INP interaction target. */
  nodeId?: number;
}

let registered = false;

export function captureVitals(report: (payload: VitalPayload) => void, nodeId: (node: Node | null | undefined) => number | null): void {
  if (registered) return;
  registered = true;
  const onMetric = (metric: Metric) => {
    const payload: VitalPayload = {
      name: metric.name,
      value: metric.value,
      rating: metric.rating,
      delta: metric.delta,
      id: metric.id,
      navigationType: metric.navigationType,
    };
    const last = metric.entries[metric.entries.length - 1] as {element?: Element | null; target?: Node | null} | undefined;
    const id = nodeId(last?.element ?? last?.target);
    if (id !== null) payload.nodeId = id;
    report(payload);
  };
  onLCP(onMetric);
  onINP(onMetric);
  onCLS(onMetric);
  onFCP(onMetric);
  onTTFB(onMetric);
}
