/**
 * The two bundles: ours through the real `npm run build` (scripts/build.mjs), the baseline with the same
 * esbuild options into a temporary folder. Also the composition of our bundle (esbuild metafile), by package.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { BuildOptions, Metafile } from 'esbuild';
import esbuildOptions from '../../scripts/esbuild-options.json';

export const ROOT = path.join(__dirname, '..', '..');
export const OUR_BUNDLE = path.join(ROOT, 'lambda', 'dist', 'index.js');
const BASELINE_ENTRY = path.join(ROOT, 'bench', 'baseline', 'index.ts');

/** scripts/build.mjs's options, from the same file: one minified CommonJS file for Node 20. */
export const BUILD_OPTIONS = esbuildOptions as BuildOptions;

export interface BundleSize {
  bytes: number;
  gzipBytes: number;
}

export function sizeOf(file: string): BundleSize {
  const content = readFileSync(file);
  return { bytes: statSync(file).size, gzipBytes: gzipSync(content).length };
}

/** `npm run build`, exactly as an operator runs it (fails the bench if the build fails). */
export function buildOurs(): string {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  return OUR_BUNDLE;
}

export async function buildBaseline(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'baseline', 'index.js');
  await build({ ...BUILD_OPTIONS, entryPoints: [BASELINE_ENTRY], outfile });
  return outfile;
}

export interface PackageShare {
  name: string;
  bytes: number;
}

/** Which package (or our own source) a metafile input path belongs to. */
export function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return input.startsWith('lambda/src/') ? `(ours) ${parts.slice(0, 3).join('/')}` : input;
  const name = parts[at + 1] ?? input;
  return name.startsWith('@') ? `${name}/${parts[at + 2] ?? ''}` : name;
}

/** Bytes each package contributes to the minified output of `entry` (same options as the build). */
export async function composition(entry: string): Promise<PackageShare[]> {
  const result = await build({
    ...BUILD_OPTIONS,
    entryPoints: [entry],
    outfile: 'composition.js',
    write: false,
    sourcemap: false,
    metafile: true,
    absWorkingDir: ROOT,
  });
  return sharesOf(result.metafile);
}

export function sharesOf(metafile: Metafile): PackageShare[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
