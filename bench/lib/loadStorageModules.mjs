// The collector's storage modules that figure 12 drives directly (the test
// PostgreSQL cluster, the schema migrations, the seed, the listing's own
// statements), built from their TypeScript with esbuild into the run's
// scratch folder, as startStorageServices.mjs builds the cluster's.
import {mkdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {build} from 'esbuild';

const ENTRY = `
export {findPostgresBinaries, startPostgresCluster} from './collector/storage/test/postgresCluster';
export {migrate} from './collector/storage/postgres/migrate';
export {MIGRATIONS} from './collector/storage/postgres/migrations';
export {SEEDED, seededUser, seedSessionsSql} from './collector/storage/test/seedSessions';
export {listSessions} from './collector/storage/postgres/listSessions';
export {countSessions} from './collector/storage/postgres/countSessions';
`;

export async function loadStorageModules(tmp) {
  const dir = resolve(tmp, 'storage-modules');
  mkdirSync(dir, {recursive: true});
  const outfile = join(dir, 'storageModules.mjs');
  await build({
    stdin: {contents: ENTRY, resolveDir: process.cwd(), loader: 'ts'},
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}
