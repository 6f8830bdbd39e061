// The bundle the snippet loads: it takes over window.tracker.
import {takeOverStub} from './takeOverStub';

try {
  takeOverStub(window as never);
} catch (error) {
  // Never into the page.
  try {
    console.warn('tracker: could not start', error);
  } catch {}
}
