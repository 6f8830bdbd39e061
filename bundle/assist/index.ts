// Entry of dist/tracker-assist.js: hands startAssist to the bundle that
// loaded this file (lib/loadPart.ts) when the first agent joined.
import {startAssist} from './startAssist';
import {partReadyEvent} from '../lib/loadPart';

dispatchEvent(new CustomEvent(partReadyEvent('assist'), {detail: startAssist}));
