import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createEmfMetrics } from '../../lambda/src/platform/metrics';
import type { MetricFields, SkillMetrics } from '../../lambda/src/platform/metrics';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
} from '../../lambda/src/platform/metric-names';

interface EmfDocument {
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

/** A metric as CloudWatch extracts it from an EMF document: its name, unit, value and dimension values. */
interface Extracted {
  namespace: string;
  name: string;
  unit: string;
  value: unknown;
  dimensions: Record<string, unknown>;
}

/** What CloudWatch reads out of EMF documents (EMF specification: values and dimensions from the root). */
function extract(documents: EmfDocument[]): Extracted[] {
  const out: Extracted[] = [];
  for (const doc of documents)
    for (const directive of doc._aws.CloudWatchMetrics)
      for (const metric of directive.Metrics)
        for (const set of directive.Dimensions)
          out.push({
            namespace: directive.Namespace,
            name: metric.Name,
            unit: metric.Unit,
            value: doc[metric.Name],
            dimensions: Object.fromEntries(set.map((key) => [key, doc[key]])),
          });
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** EMF lines Powertools Metrics writes to stdout (POWERTOOLS_DEV unset, or it would not write them). */
function powertoolsLines(run: () => void): EmfDocument[] {
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
    .map((line) => JSON.parse(line) as EmfDocument)
    .filter((line) => line._aws !== undefined);
}

/** The implementation the dashboard was built against: Powertools Metrics, a single metric per dimensioned count. */
function powertools(): SkillMetrics {
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
    flush: () => {
      metrics.publishStoredMetrics();
      return undefined;
    },
  };
}

/** Ours, with the documents it returns and the lines it writes on its own collected. */
function ours(): { metrics: SkillMetrics; documents: () => EmfDocument[]; lines: EmfDocument[] } {
  const lines: EmfDocument[] = [];
  const returned: MetricFields[] = [];
  const metrics = createEmfMetrics({ write: (line) => lines.push(JSON.parse(line) as EmfDocument) });
  const flush = metrics.flush.bind(metrics);
  metrics.flush = () => {
    const fields = flush();
    if (fields) returned.push(fields);
    return fields;
  };
  return { metrics, lines, documents: () => [...(returned as EmfDocument[]), ...lines] };
}

type Turn = (metrics: SkillMetrics) => void;

/** Turns as the handlers record them. */
const TURNS: Record<string, Turn> = {
  'a plain turn': (m) => {
    m.count(METRIC.turns);
    m.milliseconds(METRIC.turnLatency, 2.5);
  },
  'an answered step': (m) => {
    m.count(METRIC.turns);
    m.milliseconds(METRIC.turnLatency, 3);
    m.count(METRIC.stepOutcome, { [DIMENSION.step]: 'pair_new', [DIMENSION.outcome]: 'no' });
  },
  'a fix': (m) => {
    m.count(METRIC.turns);
    m.milliseconds(METRIC.turnLatency, 4);
    m.count(METRIC.stepOutcome, { [DIMENSION.step]: 'reconnect', [DIMENSION.outcome]: 'yes' });
    m.count(METRIC.fixed, { [DIMENSION.step]: 'reconnect' });
  },
  'a music hand-off with storage trouble': (m) => {
    m.count(METRIC.turns);
    m.milliseconds(METRIC.turnLatency, 1200);
    m.count(METRIC.spotifyHandoff, { [DIMENSION.result]: 'moved' });
    m.count(METRIC.storageErrors);
  },
  'dimensions that cannot share a line': (m) => {
    m.count(METRIC.stepOutcome, { [DIMENSION.step]: 'a', [DIMENSION.outcome]: 'yes' });
    m.count(METRIC.fixed, { [DIMENSION.step]: 'b' });
  },
};

describe('createEmfMetrics', () => {
  it.each(Object.entries(TURNS))(
    '%s: CloudWatch reads the same metrics as from Powertools Metrics',
    (_name, turn) => {
      const expected = extract(
        powertoolsLines(() => {
          const m = powertools();
          turn(m);
          m.flush();
        }),
      );
      expect(expected.length).toBeGreaterThan(0);
      const o = ours();
      turn(o.metrics);
      o.metrics.flush();
      expect(extract(o.documents())).toEqual(expected);
    },
  );

  it('puts a turn’s metrics in one document, one directive per dimension set', () => {
    const o = ours();
    TURNS['a fix']?.(o.metrics);
    const fields = o.metrics.flush() as EmfDocument;
    expect(o.lines).toEqual([]);
    expect(fields._aws.CloudWatchMetrics.map((d) => d.Dimensions)).toEqual([
      [['service']],
      [['service', 'Step', 'Outcome']],
      [['service', 'Step']],
    ]);
    expect(fields).toMatchObject({ service: METRICS_SERVICE, Step: 'reconnect', Turns: 1, Fixed: 1 });
  });

  it('writes a metric whose dimension value clashes on a line of its own', () => {
    const o = ours();
    TURNS['dimensions that cannot share a line']?.(o.metrics);
    const fields = o.metrics.flush() as EmfDocument;
    expect(fields).toMatchObject({ Step: 'a', StepOutcome: 1 });
    expect(o.lines).toHaveLength(1);
    expect(o.lines[0]).toMatchObject({ Step: 'b', Fixed: 1 });
    expect(o.lines[0]).not.toHaveProperty('StepOutcome');
  });

  it('starts each request empty', () => {
    const o = ours();
    TURNS['a fix']?.(o.metrics);
    o.metrics.flush();
    expect(o.metrics.flush()).toBeUndefined();
    o.metrics.count(METRIC.gaveUp, { [DIMENSION.step]: 'reset' });
    const fields = o.metrics.flush() as EmfDocument;
    expect(fields).not.toHaveProperty('Fixed');
    expect(fields).not.toHaveProperty('Turns');
    expect(fields._aws.CloudWatchMetrics.map((d) => d.Dimensions)).toEqual([[['service', 'Step']]]);
  });

  it('refuses more dimensions than EMF allows, and keeps nothing of the refused count', () => {
    const o = ours();
    const tooMany = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, 'x']));
    expect(() => o.metrics.count(METRIC.gaveUp, tooMany)).toThrow(RangeError);
    o.metrics.count(METRIC.gaveUp, { [DIMENSION.step]: 'reset' });
    const fields = o.metrics.flush() as EmfDocument;
    expect(fields).not.toHaveProperty('D0');
    expect(fields._aws.CloudWatchMetrics.map((d) => d.Dimensions)).toEqual([[['service', 'Step']]]);
  });
});
