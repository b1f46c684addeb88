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
  // ESM builds first: packages without an `exports` map (@aws-sdk/client-dynamodb, util-dynamodb) would
  // otherwise give their CommonJS builds, which esbuild cannot tree-shake (bench/FINDINGS.md, R5: about -24%).
  mainFields: ['module', 'main'],
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
