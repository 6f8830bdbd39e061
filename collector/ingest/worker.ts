// dist/collector-worker.js: the collector's worker threads, one script for
// each of their jobs, picked by the `role` the collector starts them with:
//   check-batches  inflate and scan batch bodies (ingest/createBatchChecker.ts)
//   write-pages    write the file storage's page files (storage/file/createPageWriter.ts)
import {parentPort, workerData} from 'node:worker_threads';
import {serveBatchChecks} from './batchCheckWorker';
import {servePageWrites} from '../storage/file/pageWriterWorker';

const role = (workerData as {role?: string} | null)?.role;
if (!parentPort) throw new Error('collector-worker.js runs as a worker thread of the collector, not on its own');
if (role === 'check-batches') serveBatchChecks(parentPort);
else if (role === 'write-pages') servePageWrites(parentPort);
else throw new Error(`collector-worker.js: no role ${JSON.stringify(role)}`);
