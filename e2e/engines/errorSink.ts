// Page errors and unhandled rejections, the same way in every engine:
// WebDriver classic (WebKit) has no event stream for them, so each test page
// carries a small guard script, placed before the snippet, that reports them
// with sendBeacon to this server. sendBeacon is neither fetch nor XHR, so the
// tracker's network capture does not record the guard's reports.
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface ErrorSink {
  /** Every report so far: "error: <message> at <source>:<line>" or "unhandledrejection: <reason>". */
  errors: string[];
  /** The <script> that reports a page's errors here; it goes first in <head>. */
  guard: string;
  stop(): Promise<void>;
}

export async function startErrorSink(): Promise<ErrorSink> {
  const errors: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method === 'POST' && body) errors.push(body);
      response.writeHead(204, {'Access-Control-Allow-Origin': '*'});
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const guard = `<script>(function () {
    function report(text) { navigator.sendBeacon(${JSON.stringify(url)}, location.pathname + ' ' + text); }
    addEventListener('error', function (e) {
      report('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno + (e.error && e.error.stack ? '\\n' + e.error.stack : ''));
    });
    addEventListener('unhandledrejection', function (e) {
      var r = e.reason;
      // Firefox's and WebKit's stacks leave out the message: it goes first.
      report('unhandledrejection: ' + String(r) + (r && r.stack ? '\\n' + r.stack : ''));
    });
  })();</script>`;
  return {
    errors,
    guard,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
