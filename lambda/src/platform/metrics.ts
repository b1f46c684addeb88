import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metric-names';
import type { METRIC } from './metric-names';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** What the skill measures, behind a small interface so handlers do not depend on Powertools. */
export interface SkillMetrics {
  count(name: MetricName, dimensions?: Record<string, string>): void;
  milliseconds(name: MetricName, value: number): void;
  /** Writes what was recorded in this request (one EMF line). */
  flush(): void;
}

export const noMetrics: SkillMetrics = { count: () => {}, milliseconds: () => {}, flush: () => {} };

/**
 * CloudWatch embedded metric format through Powertools Metrics: JSON lines on stdout that CloudWatch
 * turns into metrics, no API calls in the request path. Dimensioned counts go out as single metrics,
 * since one EMF line carries one set of dimensions.
 */
export function createEmfMetrics(): SkillMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  // One single-metric instance, reused: `singleMetric()` builds a whole Metrics (environment, a new Console)
  // per call, which showed in the warm profile. Its `addMetric` publishes and clears its dimensions.
  const single = metrics.singleMetric();
  return {
    count: (name, dimensions) => {
      if (!dimensions) {
        metrics.addMetric(name, MetricUnit.Count, 1);
        return;
      }
      // Clearing first: if an earlier count threw before publishing, its dimensions must not leak into this one.
      single.clearDimensions();
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, MetricUnit.Count, 1);
    },
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    flush: () => metrics.publishStoredMetrics(),
  };
}
