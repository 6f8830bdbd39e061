// Who sent a request, as far as per-address limits are concerned.
//
// Behind a reverse proxy every request comes from the proxy, and the client's
// address is in X-Forwarded-For; but anyone can send that header, so it is
// read only when the operator says a proxy is in front (`--trust-proxy`).
// Each proxy appends the address it received from, so with N trusted proxies
// the client is the Nth entry from the right: entries further left are
// whatever the client itself claimed.
import type {IncomingMessage} from 'node:http';
import {isIP} from 'node:net';

export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const peer = normalizeAddress(req.socket.remoteAddress ?? '');
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  if (!header) return peer;
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',').map((entry) => entry.trim());
  const claimed = normalizeAddress(entries[Math.max(0, entries.length - trustedProxies)]);
  return isIP(claimed) ? claimed : peer;
}

/**
 * The key an address is limited under. An IPv6 host usually holds a whole
 * /64 and can pick any address in it, so the /64 is what gets limited.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

// IPv4-mapped IPv6 (how a dual-stack socket reports an IPv4 client) is the IPv4 address.
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  return [...left, ...Array.from({length: Math.max(0, missing)}, () => '0'), ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}
