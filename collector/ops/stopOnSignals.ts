// Graceful shutdown of `node dist/collector.js`: on SIGTERM (what an
// orchestrator sends) or SIGINT, the collector stops accepting, lets requests
// in progress finish (within --shutdown-grace), writes what its storage held
// back, and exits 0. A batch is acknowledged only once stored, so nothing
// acknowledged is lost; one cut off unanswered is sent again by its tracker.
// A second signal while stopping exits at once (1), for an operator who will not wait.
import type {Logger} from './createLogger';

export function stopOnSignals(close: () => Promise<void>, logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  let stoppingSince: number | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== null) {
      logger.warn('shutdown_forced', {signal, afterSeconds: (Date.now() - stoppingSince) / 1000});
      exit(1);
      return;
    }
    stoppingSince = Date.now();
    logger.info('shutdown_started', {signal});
    close().then(
      () => {
        logger.info('shutdown_complete', {seconds: (Date.now() - stoppingSince!) / 1000});
        exit(0);
      },
      (error) => {
        logger.error('shutdown_failed', {error});
        exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
