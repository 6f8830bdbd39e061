// Entry of dist/tracker-canvas.js: hands startCanvasCapture to the bundle that
// loaded this file (canvas/loadCanvasCapture.ts).
import {startCanvasCapture} from './captureCanvas';
import {CANVAS_READY_EVENT} from './loadCanvasCapture';

dispatchEvent(new CustomEvent(CANVAS_READY_EVENT, {detail: startCanvasCapture}));
