import { METRICS_NAMESPACE, METRICS_SERVICE, SERVICE_DIMENSION } from './metric-names';
import type { METRIC } from './metric-names';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** A turn's metrics as CloudWatch embedded-metric-format fields (`_aws` and the values), for a log line. */
export type MetricFields = Record<string, unknown>;

/** What the skill measures, behind a small interface so handlers do not depend on how it is written. */
export interface SkillMetrics {
  count(name: MetricName, dimensions?: Record<string, string>): void;
  milliseconds(name: MetricName, value: number): void;
  /**
   * Ends the request's metrics: returns them as EMF fields for the request's one log line (undefined when
   * nothing was recorded). A metric that cannot share that line is written on a line of its own.
   */
  flush(): MetricFields | undefined;
}

export const noMetrics: SkillMetrics = { count: () => {}, milliseconds: () => {}, flush: () => undefined };

type Unit = 'Count' | 'Milliseconds';

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit: Unit }>;
}

/** EMF allows at most 30 dimensions in a set; service is always one. */
const MAX_DIMENSIONS = 29;

/**
 * One EMF document under construction: directives that share its root fields, each with its own dimension
 * set. EMF reads a dimension's value from the root, so two metrics may share a document only when every
 * dimension they both name has the same value; a metric that conflicts goes into a document of its own.
 */
class Document {
  readonly fields: MetricFields = { [SERVICE_DIMENSION]: METRICS_SERVICE };
  private readonly directives = new Map<string, Directive>();

  /** Adds the metric if it fits; false when a dimension or the metric's name is already taken differently. */
  add(name: MetricName, unit: Unit, value: number, dimensions: Record<string, string> = {}): boolean {
    const keys = Object.keys(dimensions);
    for (const key of keys) {
      const had = this.fields[key];
      if (had !== undefined && had !== dimensions[key]) return false;
    }
    if (this.fields[name] !== undefined) return false;
    for (const key of keys) this.fields[key] = dimensions[key];
    this.fields[name] = value;
    const set = [SERVICE_DIMENSION, ...keys];
    const id = set.join('\u0000');
    let directive = this.directives.get(id);
    if (!directive) {
      directive = { Namespace: METRICS_NAMESPACE, Dimensions: [set], Metrics: [] };
      this.directives.set(id, directive);
    }
    directive.Metrics.push({ Name: name, Unit: unit });
    return true;
  }

  get empty(): boolean {
    return this.directives.size === 0;
  }

  toFields(timestamp: number): MetricFields {
    return {
      _aws: { Timestamp: timestamp, CloudWatchMetrics: [...this.directives.values()] },
      ...this.fields,
    };
  }
}

export interface EmfOptions {
  /** Writes a document that could not share the request's log line. Default: a line on stdout. */
  write?: (line: string) => void;
  clock?: () => number;
}

/**
 * CloudWatch embedded metric format, written by hand: the request's metrics travel on its one log line
 * (EMF is a JSON log line; other fields are ignored for metrics), so a turn writes one line, not one per
 * dimension set. The same namespace, names, units and dimension sets as Powertools Metrics wrote, so the
 * dashboard and alarms read them unchanged.
 */
export function createEmfMetrics(options: EmfOptions = {}): SkillMetrics {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? Date.now;
  let documents: Document[] = [];
  const record = (name: MetricName, unit: Unit, value: number, dimensions?: Record<string, string>) => {
    if (dimensions && Object.keys(dimensions).length > MAX_DIMENSIONS)
      throw new RangeError(`${name}: more than ${MAX_DIMENSIONS} dimensions`);
    if (documents.some((d) => d.add(name, unit, value, dimensions))) return;
    const document = new Document();
    document.add(name, unit, value, dimensions);
    documents.push(document);
  };
  return {
    count: (name, dimensions) => record(name, 'Count', 1, dimensions),
    milliseconds: (name, value) => record(name, 'Milliseconds', value),
    flush: () => {
      const [first, ...rest] = documents.filter((d) => !d.empty);
      documents = [];
      const now = clock();
      for (const document of rest) write(JSON.stringify(document.toFields(now)));
      return first?.toFields(now);
    },
  };
}
