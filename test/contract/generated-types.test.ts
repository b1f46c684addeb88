import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const dir = join(__dirname, '../../lambda/src/spotify/openapi');

describe('generated Spotify Web API types', () => {
  it('are what `npm run spotify:types` makes from the vendored spec (regenerate if this fails)', async () => {
    // The same call and defaults as the openapi-typescript CLI behind the package.json script.
    const ast = await openapiTS(pathToFileURL(join(dir, 'fixed-spotify-open-api.yml')), { silent: true });
    const generated = `${COMMENT_HEADER}${astToString(ast)}`;
    const committed = readFileSync(join(dir, 'spotify-web-api.d.ts'), 'utf8');
    expect(generated === committed).toBe(true);
  });

  it('come from the vendored spec the README names', () => {
    const spec = readFileSync(join(dir, 'fixed-spotify-open-api.yml'), 'utf8');
    const version = /^ {2}version: (\S+)$/m.exec(spec)?.[1];
    expect(version).toBeDefined();
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`\`info.version\` ${version}`);
  });
});
