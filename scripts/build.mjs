// Bundles the Lambda into one self-contained CommonJS file: lambda/dist/index.js exporting `handler`.
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const outfile = 'lambda/dist/index.js';
await build({
  entryPoints: ['lambda/src/index.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
const bytes = statSync(outfile).size;
console.log(`built ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
if (bytes > 1024 * 1024) {
  console.error('the bundle is over the 1 MB budget');
  process.exit(1);
}
