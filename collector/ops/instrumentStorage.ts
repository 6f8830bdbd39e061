// Wraps any storage backend to count what it stores and how it fails, without
// the backend knowing: batches and bytes stored, sessions created and active,
// errors by operation. It also notices an outage (a full disk, a database out
// of reach) once, when it begins, and once when it ends, so the log says
// "unavailable since..., recovered after..." instead of one line per request.
//
// A Proxy, so that a backend with more methods than these (erasure,
// retention...) passes through whole.
import {isStorageUnavailable} from '../lib/storageUnavailable';
import type {Logger} from './createLogger';
import type {Metrics} from './createMetrics';

// A success of one of these proves the storage takes writes again.
const WRITES = new Set(['createSession', 'addPage', 'putBatch', 'updateSession']);

export interface StorageWatch {
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

export function instrumentStorage<S extends object>(storage: S, watch: StorageWatch): S {
  const {metrics, logger} = watch;
  const now = watch.now ?? Date.now;
  let unavailableSince: number | null = null;
  let failuresDuringOutage = 0;

  const succeeded = (operation: string, args: unknown[], result: unknown) => {
    const at = now();
    if (operation === 'createSession') {
      metrics.sessionCreated();
      metrics.sessionActive((result as {sessionID: string}).sessionID, at);
    } else if (operation === 'putBatch') {
      const batch = args[0] as {sessionID: string; body: {length: number}; jsonBytes?: number};
      if (result === 'stored') metrics.batchStored(batch.jsonBytes ?? batch.body.length);
      else metrics.batchDuplicate();
      metrics.sessionActive(batch.sessionID, at);
    } else if (operation === 'addPage' || operation === 'updateSession') {
      metrics.sessionActive(args[0] as string, at);
    }
    if (unavailableSince !== null && WRITES.has(operation)) {
      logger.info('storage_recovered', {unavailableForSeconds: Math.round((at - unavailableSince) / 1000), failedRequests: failuresDuringOutage});
      unavailableSince = null;
      metrics.storageAvailable(true);
    }
  };

  const failed = (operation: string, error: unknown) => {
    const unavailable = isStorageUnavailable(error);
    metrics.storageError(operation, unavailable ? 'unavailable' : 'failed');
    if (!unavailable) return;
    failuresDuringOutage++;
    if (unavailableSince === null) {
      unavailableSince = now();
      failuresDuringOutage = 1;
      metrics.storageAvailable(false);
      logger.warn('storage_unavailable', {operation, error});
    }
  };

  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(storage, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
      if (!wrapped.has(property)) {
        wrapped.set(property, (...args: unknown[]) => {
          let result: unknown;
          try {
            result = value.apply(target, args);
          } catch (error) {
            failed(property, error);
            throw error;
          }
          if (!(result instanceof Promise)) return result;
          return result.then(
            (outcome) => {
              succeeded(property, args, outcome);
              return outcome;
            },
            (error) => {
              failed(property, error);
              throw error;
            },
          );
        });
      }
      return wrapped.get(property);
    },
  });
}
