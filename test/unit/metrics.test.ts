import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createEmfMetrics } from '../../lambda/src/platform/metrics';
import type { SkillMetrics } from '../../lambda/src/platform/metrics';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
} from '../../lambda/src/platform/metric-names';

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [field: string]: unknown;
}

/**
 * The EMF lines `run` writes to stdout. Powertools writes through its own Console on process.stdout
 * (not jest's console) unless POWERTOOLS_DEV is set, which would also disable metrics: so it is unset here.
 */
function emfLines(run: () => void): EmfLine[] {
  const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
    if (saved.dev !== undefined) process.env.POWERTOOLS_DEV = saved.dev;
    if (saved.disabled !== undefined) process.env.POWERTOOLS_METRICS_DISABLED = saved.disabled;
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) => line._aws !== undefined);
}

/** What differs only by the clock (and latency values) goes; the rest must be the same. */
const withoutTimestamp = (line: EmfLine) => ({ ...line, _aws: { ...line._aws, Timestamp: 0 } });

/** The implementation before R1, kept as the reference: a new single-metric instance per dimensioned count. */
function freshSingleMetricPerCount(): SkillMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  return {
    count: (name, dimensions) => {
      if (!dimensions) {
        metrics.addMetric(name, MetricUnit.Count, 1);
        return;
      }
      const single = metrics.singleMetric();
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, MetricUnit.Count, 1);
    },
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    flush: () => metrics.publishStoredMetrics(),
  };
}

/** A turn's worth of metric calls, as the handlers make them. */
function turn(metrics: SkillMetrics): void {
  metrics.count(METRIC.turns);
  metrics.count(METRIC.stepOutcome, { [DIMENSION.step]: 'power-cycle', [DIMENSION.outcome]: 'no' });
  metrics.count(METRIC.spotifyHandoff, { [DIMENSION.result]: 'moved' });
  metrics.count(METRIC.fixed, { [DIMENSION.step]: 'forget-and-repair' });
  metrics.milliseconds(METRIC.turnLatency, 12);
  metrics.flush();
}

const dimensionSets = (line: EmfLine) => line._aws.CloudWatchMetrics.map((m) => m.Dimensions);
const metricNames = (line: EmfLine) =>
  line._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));

describe('createEmfMetrics', () => {
  it('gives each dimensioned count its own dimensions, with none left over from the count before', () => {
    const metrics = createEmfMetrics();
    const lines = emfLines(() => {
      metrics.count(METRIC.stepOutcome, { [DIMENSION.step]: 'power-cycle', [DIMENSION.outcome]: 'yes' });
      metrics.count(METRIC.spotifyHandoff, { [DIMENSION.result]: 'moved' });
    });

    expect(lines).toHaveLength(2);
    const [first, second] = lines as [EmfLine, EmfLine];
    expect(dimensionSets(first)).toEqual([[['service', 'Step', 'Outcome']]]);
    expect(metricNames(first)).toEqual(['StepOutcome']);
    expect(first).toMatchObject({
      service: METRICS_SERVICE,
      Step: 'power-cycle',
      Outcome: 'yes',
      StepOutcome: 1,
    });
    expect(first._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);

    expect(dimensionSets(second)).toEqual([[['service', 'Result']]]);
    expect(metricNames(second)).toEqual(['SpotifyHandoff']);
    expect(second).toMatchObject({ service: METRICS_SERVICE, Result: 'moved', SpotifyHandoff: 1 });
    expect(second).not.toHaveProperty('Step');
    expect(second).not.toHaveProperty('Outcome');
    expect(second).not.toHaveProperty('StepOutcome');
  });

  it('writes the same EMF lines as a new single-metric instance per count did, turn after turn', () => {
    const before = emfLines(() => {
      const metrics = freshSingleMetricPerCount();
      turn(metrics);
      turn(metrics);
    });
    const after = emfLines(() => {
      const metrics = createEmfMetrics();
      turn(metrics);
      turn(metrics);
    });

    // Per turn: StepOutcome, SpotifyHandoff and Fixed on their own lines, then Turns + TurnLatency.
    expect(after).toHaveLength(8);
    expect(after.map(withoutTimestamp)).toEqual(before.map(withoutTimestamp));
    expect(after.slice(0, 4).map(metricNames)).toEqual([
      ['StepOutcome'],
      ['SpotifyHandoff'],
      ['Fixed'],
      ['Turns', 'TurnLatency'],
    ]);
    expect(dimensionSets(after[3] as EmfLine)).toEqual([[['service']]]);
  });

  it('does not carry dimensions over from a count that failed before publishing', () => {
    const metrics = createEmfMetrics();
    // EMF allows at most 29 dimensions besides service: Powertools throws on the 30th.
    const tooMany = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, 'x']));
    const lines = emfLines(() => {
      expect(() => metrics.count(METRIC.gaveUp, tooMany)).toThrow(RangeError);
      metrics.count(METRIC.gaveUp, { [DIMENSION.step]: 'reset' });
    });

    expect(lines).toHaveLength(1);
    expect(dimensionSets(lines[0] as EmfLine)).toEqual([[['service', 'Step']]]);
    expect(lines[0]).not.toHaveProperty('D0');
  });
});
