// Reads and writes the collector's JSON API with the viewer's login cookie
// (HttpOnly, set by POST /api/login: this script never sees it).
/** The API said 401: nobody is logged in, or the login ended. `message` is the collector's reason. */
export class NeedsLogin extends Error {}

/** Any other refusal; `message` is the collector's own sentence when it gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Seconds, from Retry-After, when the collector asks to wait (429). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
}

export async function api<T>(path: string, {method = 'GET', body}: ApiOptions = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : {'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // POST /api/logout may answer with an empty body.
  if (response.ok) return response.text().then((text) => (text ? JSON.parse(text) : null));
  const reason = await errorOf(response);
  if (response.status === 401) throw new NeedsLogin(reason ?? 'Log in to see the sessions.');
  const retryAfter = Number(response.headers.get('Retry-After'));
  throw new ApiError(reason ?? `${path} answered ${response.status}`, response.status, retryAfter > 0 ? retryAfter : null);
}

async function errorOf(response: Response): Promise<string | null> {
  try {
    const {error} = await response.json();
    return typeof error === 'string' && error ? error : null;
  } catch {
    return null;
  }
}
