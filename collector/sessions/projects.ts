// Which project keys the collector accepts, and from which origins.
import {HttpError} from '../lib/httpError';

export interface Project {
  key: string;
  /** Origins allowed to send to this project; null means any origin. */
  origins: Set<string> | null;
}

export const DEMO_PROJECT: Project = {key: 'demo', origins: null};

/**
 * Reads one `--project` value: `KEY` (any origin) or `KEY=ORIGIN,ORIGIN…`
 * (`*` also means any origin). Throws a sentence on a malformed value.
 */
export function parseProject(spec: string): Project {
  const equals = spec.indexOf('=');
  const key = (equals < 0 ? spec : spec.slice(0, equals)).trim();
  if (!key || key.length > 128) throw new Error(`--project ${spec}: the project key must be 1 to 128 characters`);
  if (equals < 0) return {key, origins: null};
  const listed = spec
    .slice(equals + 1)
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (!listed.length) throw new Error(`--project ${spec}: list origins after "=" (like ${key}=https://shop.example.com), or give the key alone to allow any origin`);
  if (listed.includes('*')) return {key, origins: null};
  return {key, origins: new Set(listed.map((origin) => normalizeOrigin(spec, origin)))};
}

function normalizeOrigin(spec: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`--project ${spec}: "${origin}" is not an origin; write it like https://shop.example.com or http://127.0.0.1:8080`);
  }
  // Browsers send the origin alone, without path: "https://shop.example.com/" is taken to mean that origin.
  if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`--project ${spec}: "${origin}" is not an origin (scheme, host and port only, like https://shop.example.com)`);
  }
  return url.origin;
}

export interface ProjectRegistry {
  get(key: string): Project | undefined;
  /** Whether some project accepts this origin: what a preflight (which names no project) can be answered on. */
  anyAllows(origin: string): boolean;
}

export function createProjectRegistry(projects: Project[]): ProjectRegistry {
  const byKey = new Map(projects.map((project) => [project.key, project]));
  const anyOrigin = projects.some((project) => project.origins === null);
  return {
    get: (key) => byKey.get(key),
    anyAllows: (origin) => anyOrigin || projects.some((project) => project.origins!.has(origin)),
  };
}

const projectAllows = (project: Project, origin: string | undefined): boolean =>
  origin === undefined || project.origins === null || project.origins.has(origin);

/** Refuses (403) a browser origin the project does not list. */
export function assertOriginAllowed(project: Project, origin: string | undefined): void {
  if (projectAllows(project, origin)) return;
  const origins = [...project.origins!, origin].join(',');
  throw new HttpError(403, `origin ${origin} is not allowed to send to project "${project.key}": start the collector with --project ${project.key}=${origins}`);
}
