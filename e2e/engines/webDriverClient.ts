// The few W3C WebDriver (classic) commands the scenarios need, over fetch.
// Our own client rather than selenium-webdriver or webdriverio: a dozen
// endpoints of a stable spec, no new dependency tree for CI to install, and
// errors that show the driver's own message.

export interface WebDriverSession {
  id: string;
  capabilities: Record<string, any>;
  command<T = any>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T>;
}

export async function newSession(driverUrl: string, capabilities: object): Promise<WebDriverSession> {
  const created = await send(driverUrl, 'POST', '/session', {capabilities: {alwaysMatch: capabilities}});
  const id = created.sessionId as string;
  return {
    id,
    capabilities: created.capabilities,
    command: (method, path, body) => send(`${driverUrl}/session/${id}`, method, path, body),
  };
}

export async function waitForDriver(driverUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await send(driverUrl, 'GET', '/status')).ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`WebDriver at ${driverUrl} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function send(base: string, method: string, path: string, body?: object): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {'Content-Type': 'application/json'},
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  });
  const answer = (await response.json()) as {value: any};
  if (!response.ok) {
    const {error, message} = answer.value ?? {};
    throw new Error(`WebDriver ${method} ${path}: ${error}: ${message}`);
  }
  return answer.value;
}

/** The key a WebDriver element reference is stored under (W3C "web element identifier"). */
export const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
