import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(__dirname, '../..');
const dir = join(root, 'lambda/src/spotify/openapi');

/**
 * openapi-typescript 7 is an ES module whose CommonJS build requires ESM-only dependencies, which jest's
 * CommonJS runtime cannot load; so its API runs in a child Node process and the output comes back on
 * stdout (nothing is written to disk). Same call and defaults as the CLI behind `npm run spotify:types`.
 */
function generate(): string {
  const script = `
    import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
    const ast = await openapiTS(new URL(process.argv[1]), { silent: true });
    process.stdout.write(COMMENT_HEADER + astToString(ast));
  `;
  const spec = pathToFileURL(join(dir, 'fixed-spotify-open-api.yml')).href;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script, spec], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('generated Spotify Web API types', () => {
  it('are what `npm run spotify:types` makes from the vendored spec (run it if this fails)', () => {
    const generated = generate();
    expect(generated).toContain('"get-a-users-available-devices": {');
    const committed = readFileSync(join(dir, 'spotify-web-api.d.ts'), 'utf8');
    // Not toEqual: a 250 kB diff helps nobody; the fix is always `npm run spotify:types`.
    expect(generated === committed).toBe(true);
  });

  it('come from the spec version the README names', () => {
    const spec = readFileSync(join(dir, 'fixed-spotify-open-api.yml'), 'utf8');
    const version = /^ {2}version: (\S+)$/m.exec(spec)?.[1];
    expect(version).toBe('2026.5.31');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`\`info.version\` ${version}`);
  });
});
