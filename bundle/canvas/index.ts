// Entry of dist/tracker-canvas.js: hands startCanvasCapture to the bundle that
// loaded this file (lib/loadPart.ts).
import {startCanvasCapture} from './captureCanvas';
import {partReadyEvent} from '../lib/loadPart';

dispatchEvent(new CustomEvent(partReadyEvent('canvas'), {detail: startCanvasCapture}));
