// Bundles the Lambda into one self-contained CommonJS file: lambda/dist/index.js exporting `handler`.
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';

const outfile = 'lambda/dist/index.js';
// Shared with the benchmark's baseline (bench/lib/bundles.ts), so the two are bundled alike. `mainFields` puts
// ESM builds first: packages without an `exports` map (@aws-sdk/client-dynamodb, util-dynamodb) would otherwise
// give their CommonJS builds, which esbuild cannot tree-shake (bench/FINDINGS.md, R5: about -24%).
const options = JSON.parse(readFileSync('scripts/esbuild-options.json', 'utf8'));
/**
 * The skill's words (lambda/src/i18n/locales/*.json) go into the bundle as JSON text parsed on first use:
 * a string is one token to the JavaScript parser, where the same words as object literals are thousands,
 * scanned at every cold start for all fourteen locales though a container usually speaks one.
 */
const wordsAsJsonText = {
  name: 'words-as-json-text',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]i18n[\\/]locales[\\/][^\\/]+\.json$/ }, (args) => {
      const text = JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8')));
      return { contents: `module.exports = JSON.parse(${JSON.stringify(text)});`, loader: 'js' };
    });
  },
};
await build({ ...options, entryPoints: ['lambda/src/index.ts'], outfile, plugins: [wordsAsJsonText] });
const bytes = statSync(outfile).size;
console.log(`built ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
if (bytes > 1024 * 1024) {
  console.error('the bundle is over the 1 MB budget');
  process.exit(1);
}
