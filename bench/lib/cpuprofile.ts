/**
 * Reads V8 .cpuprofile files (node --cpu-prof) and sums self time by package and by function, mapping
 * positions in a minified bundle back to its sources through the bundle's source map.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageOf, ROOT } from './bundles';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  profiles: number;
  totalMs: number;
  byPackage: SelfTime[];
  byFunction: SelfTime[];
}

/** Where a profile node's time goes: a package (or our source folder) and a function. */
function placeOf(
  frame: ProfileNode['callFrame'],
  bundleUrl: string,
  map: SourceMap | undefined,
  mapDir: string,
) {
  const { url, functionName, lineNumber, columnNumber } = frame;
  if (url === '') return { pkg: functionName || '(native)', fn: functionName || '(native)' };
  if (url.startsWith('node:')) {
    const mod = url.slice('node:'.length).replace(/^internal\//, '');
    return {
      pkg: `(node) ${mod.split('/').slice(0, 2).join('/')}`,
      fn: `${functionName || '(anonymous)'} ${mod}`,
    };
  }
  if (url.endsWith(bundleUrl) && map) {
    const entry = map.findEntry(lineNumber, columnNumber) as {
      originalSource?: string;
      originalLine?: number;
      name?: string;
    };
    const source = entry.originalSource ? relativeSource(entry.originalSource, mapDir) : undefined;
    if (source) {
      const where = `${source}:${(entry.originalLine ?? 0) + 1}`;
      return { pkg: packageOf(source), fn: `${entry.name ?? (functionName || '(anonymous)')} ${where}` };
    }
  }
  return { pkg: url, fn: `${functionName || '(anonymous)'} ${url}:${lineNumber + 1}` };
}

/** Source map sources are relative to the map ("../../node_modules/x/y.js"): made relative to the repository. */
function relativeSource(source: string, mapDir: string): string {
  const absolute = source.startsWith('file://') ? fileURLToPath(source) : path.resolve(mapDir, source);
  return path.relative(ROOT, absolute);
}

/** Sums self time over every .cpuprofile in `dir`. `bundle` is the file name of the profiled bundle. */
export function summarize(
  dir: string,
  bundle: string,
  mapFile: string | undefined,
  top = 15,
): ProfileSummary {
  const map = mapFile
    ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload)
    : undefined;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const places = new Map<number, { pkg: string; fn: string }>();
    for (const node of profile.nodes)
      places.set(node.id, placeOf(node.callFrame, `/${bundle}`, map, mapFile ? path.dirname(mapFile) : ROOT));
    profile.samples.forEach((id, i) => {
      const place = places.get(id);
      // A sample's time is the delta to the next sample (V8's own attribution).
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      if (!place || place.pkg === '(idle)') return;
      totalMs += ms;
      byPackage.set(place.pkg, (byPackage.get(place.pkg) ?? 0) + ms);
      byFunction.set(place.fn, (byFunction.get(place.fn) ?? 0) + ms);
    });
  }
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .map(([name, ms]) => ({ name, ms: ms / Math.max(1, files.length), share: ms / totalMs }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top);
  return {
    profiles: files.length,
    totalMs: totalMs / Math.max(1, files.length),
    byPackage: ranked(byPackage),
    byFunction: ranked(byFunction),
  };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const line = (t: SelfTime) =>
    `  ${t.ms.toFixed(1).padStart(7)} ms ${(100 * t.share).toFixed(1).padStart(5)}%  ${t.name}`;
  return [
    `${title}: ${s.totalMs.toFixed(1)} ms of CPU samples (non-idle) per process, mean of ${s.profiles}`,
    ' by package (self time):',
    ...s.byPackage.map(line),
    ' by function (self time):',
    ...s.byFunction.map(line),
  ].join('\n');
}
