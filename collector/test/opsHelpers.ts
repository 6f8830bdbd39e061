// For the ops tests: requests from a chosen local address (127.0.0.2,
// 127.0.0.3...: on Linux every 127.x address is this machine), so that tests
// can play several clients.
import {request} from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
  text: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The address the request comes from. */
  from?: string;
}

export function send(url: string, path: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body ?? '';
    const req = request(
      new URL(path, url),
      {
        method: options.method ?? 'POST',
        headers: {'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...options.headers},
        localAddress: options.from,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            // Not JSON (metrics): `text` has it.
          }
          resolve({status: res.statusCode!, headers: res.headers, json, text});
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function handshakeFrom(url: string, from: string | undefined, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, '/v1/web/start', {from, headers, body: JSON.stringify({projectKey: 'demo', url: 'http://shop.test/', ...body})});
}

export function batchFrom(url: string, from: string | undefined, token: string, page: number, seq: number, events: unknown[], headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, `/v1/web/i?page=${page}&seq=${seq}`, {from, headers: {Authorization: `Bearer ${token}`, ...headers}, body: JSON.stringify(events)});
}

/** No limit: for the limits a test does not look at. */
export const NO_LIMIT = {perSecond: 0, burst: 0};
