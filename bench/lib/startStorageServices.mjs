// What the PostgreSQL + S3 backend needs, on this machine, for figure 7: a
// throwaway PostgreSQL cluster (the tests' own, collector/storage/test/
// postgresCluster.ts, built for the bench with esbuild) and an S3-protocol
// server (s3rver) in a process of its own, so that its CPU is counted apart.
import {spawn} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {build} from 'esbuild';

const S3_SERVER = `import S3rver from 's3rver';
const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{name: bucket}]});
const {port} = await server.run();
console.log('s3 on http://127.0.0.1:' + port);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

/** Null when PostgreSQL's server binaries are not installed (the figure says so). */
export async function startStorageServices(tmp) {
  const dir = resolve(tmp, 'storage-services');
  mkdirSync(dir, {recursive: true});
  const clusterModule = join(dir, 'postgresCluster.mjs');
  await build({entryPoints: ['collector/storage/test/postgresCluster.ts'], outfile: clusterModule, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning'});
  const {findPostgresBinaries, startPostgresCluster} = await import(pathToFileURL(clusterModule).href);
  if (!findPostgresBinaries()) return null;
  const cluster = await startPostgresCluster();
  const database = await cluster.createDatabase();

  // Inside the project, so that 's3rver' resolves from its node_modules.
  const script = join(dir, 's3Server.mjs');
  writeFileSync(script, S3_SERVER);
  mkdirSync(join(dir, 's3'), {recursive: true});
  const child = spawn(process.execPath, [script, join(dir, 's3'), 'bench'], {stdio: ['ignore', 'pipe', 'inherit']});
  const endpoint = await new Promise((resolveEndpoint, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /s3 on (\S+)/.exec(output);
      if (match) resolveEndpoint(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return {
    database,
    s3: {endpoint, bucket: 'bench', pid: child.pid, credentials: {accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER'}},
    async stop() {
      child.kill('SIGTERM');
      await cluster.stop();
    },
  };
}
