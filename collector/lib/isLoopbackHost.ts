import {isIP} from 'node:net';

// Whether a host is this machine alone: the development flag that opens the
// read side is refused anywhere else (a proxy in front can still expose a
// loopback collector, which is why nothing else depends on it).
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
