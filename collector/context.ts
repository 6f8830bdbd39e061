// What every handler gets: the settings, the storage and the project rules.
import type {Storage} from './storage';

export interface CollectorSettings {
  host: string;
  /** Project key -> allowed origins; null allows any origin. */
  projects: Map<string, string[] | null>;
  signingSecret: string;
  readSecret: string;
  tokenTtlMs: number;
  inactivityTimeoutMs: number;
  maxBodyBytes: number;
  maxInflatedBytes: number;
  /** Where the viewer's built files are (index.html, app.js, app.css). */
  viewerDir: string | null;
}

export interface Collector {
  settings: CollectorSettings;
  storage: Storage;
}

export function originAllowed(settings: CollectorSettings, projectKey: string, origin: string | undefined): boolean {
  const origins = settings.projects.get(projectKey);
  if (origins === undefined) return false;
  // No Origin header: not a browser (curl, a server); CORS does not apply.
  return origins === null || origin === undefined || origins.includes(origin);
}

/** For preflights, which carry no project key: allowed by any project. */
export function originAllowedByAnyProject(settings: CollectorSettings, origin: string): boolean {
  for (const origins of settings.projects.values()) {
    if (origins === null || origins.includes(origin)) return true;
  }
  return false;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
