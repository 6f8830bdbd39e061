// Reads the collector's JSON API with the page's cookie (the read secret, when one is needed).
export class NeedsSecret extends Error {}

export async function api<T>(path: string): Promise<T> {
  const response = await fetch(path, {credentials: 'same-origin'});
  if (response.status === 401) throw new NeedsSecret();
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}
