// Who is logged in to the viewer, and logging in and out. The collector keeps
// the login in an HttpOnly cookie: the key never stays in the page.
import {api} from './api';

export interface User {
  name: string;
  role: 'viewer' | 'agent' | 'admin';
  /** The projects this login may read; null for all of them. */
  projects: string[] | null;
}

export type Credential = {key: string} | {link: string};

export const currentUser = () => api<User>('/api/me');

export const logIn = (credential: Credential) => api<User>('/api/login', {method: 'POST', body: credential});

export const logOut = () => api<unknown>('/api/logout', {method: 'POST'});

const LINK_PREFIX = '#login=';

/** The token of a login link (http://host/#login=<token>), or null when the page was not opened with one. */
export function loginLinkToken(hash: string): string | null {
  if (!hash.startsWith(LINK_PREFIX)) return null;
  const token = hash.slice(LINK_PREFIX.length);
  try {
    return decodeURIComponent(token);
  } catch {
    return token;
  }
}

/**
 * Takes the login link's token out of the address bar and the history before
 * it is used: it is in the fragment so that no server log holds it, and it
 * should not stay where a screenshot, a shared screen or the back button finds it.
 */
export function takeLoginLinkToken(): string | null {
  const token = loginLinkToken(location.hash);
  if (token !== null) history.replaceState(null, '', `${location.pathname}#/`);
  return token;
}
