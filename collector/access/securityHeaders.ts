// Headers on every answer of the read side and the viewer.
//
// The project key is public, so anyone can send a session, and everything
// in one is hostile input to the viewer: the policy lets the viewer run its
// own files and nothing else (no inline script, no eval). Replays need the
// recorded site's images, fonts and stylesheets, and rrweb sets inline
// styles, hence the wider style, image, font and media sources; the replay
// frame is sandboxed without scripts and inherits this policy.
export const VIEWER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' http: https:",
  "img-src 'self' data: blob: http: https:",
  "font-src 'self' data: http: https:",
  "media-src 'self' data: blob: http: https:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': VIEWER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // For browsers older than frame-ancestors.
  'X-Frame-Options': 'DENY',
};
