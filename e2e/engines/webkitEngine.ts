// WebKit, the engine closest to Safari: WebKitGTK's MiniBrowser driven by
// WebKitWebDriver (Debian's webkit2gtk-driver), on a virtual display of its
// own (Xvfb), since MiniBrowser is a GTK application and has no headless mode.
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync} from 'node:fs';
import {createServer} from 'node:net';
import {binaryOf} from './binaryOf';
import type {Engine, Tab} from './engine';
import {newSession, waitForDriver, ELEMENT_KEY, type WebDriverSession} from './webDriverClient';

export async function launchWebKit(): Promise<Engine> {
  const driverPath = binaryOf('webkit');
  const miniBrowser = findMiniBrowser();
  const children: ChildProcess[] = [];
  const stopChildren = () => children.reverse().forEach((child) => child.kill('SIGTERM'));
  try {
    const display = await startDisplay(children);
    const port = await freePort();
    const driver = spawn(driverPath, [`--port=${port}`], {env: {...process.env, DISPLAY: display}, stdio: 'ignore'});
    children.push(driver);
    const driverUrl = `http://127.0.0.1:${port}`;
    await waitForDriver(driverUrl, 20_000);
    const session = await newSession(driverUrl, {
      // --automation lets the driver control MiniBrowser; without it the session is refused.
      'webkitgtk:browserOptions': {binary: miniBrowser, args: ['--automation']},
    });
    await session.command('POST', '/timeouts', {script: 120_000, pageLoad: 30_000});
    const home: string = await session.command('GET', '/window');
    let current = home;
    const focus = async (handle: string) => {
      if (current === handle) return;
      await session.command('POST', '/window', {handle});
      current = handle;
    };
    return {
      name: 'webkit',
      version: `WebKitGTK ${session.capabilities.browserVersion}`,
      async newTab() {
        // A window, not a tab: MiniBrowser opens a new tab in the background,
        // where visibilityState is 'hidden', nothing paints (no FCP) and
        // requestAnimationFrame never fires (the viewer's player stands still).
        const {handle} = await session.command('POST', '/window/new', {type: 'window'});
        await focus(handle);
        return windowTab(session, handle, focus, async () => {
          await focus(handle);
          await session.command('DELETE', '/window');
          // The home window stays open: closing the last window would end the session.
          current = '';
          await focus(home);
        });
      },
      async close() {
        await session.command('DELETE', '').catch(() => {});
        stopChildren();
      },
    };
  } catch (error) {
    stopChildren();
    throw error;
  }
}

function windowTab(session: WebDriverSession, handle: string, focus: (handle: string) => Promise<void>, closeWindow: () => Promise<void>): Tab {
  let closed = false;
  const element = async (selector: string): Promise<string> => {
    await focus(handle);
    const found = await session.command('POST', '/element', {using: 'css selector', value: selector});
    return found[ELEMENT_KEY];
  };
  return {
    async goto(url) {
      await focus(handle);
      await session.command('POST', '/url', {url});
    },
    async reload() {
      await focus(handle);
      await session.command('POST', '/refresh');
    },
    async evaluate(fn, arg) {
      await focus(handle);
      // Execute Async Script: the last argument is the callback that ends the script.
      const script = `var done = arguments[arguments.length - 1], arg = arguments[0];
        Promise.resolve().then(function () { return (${fn.toString()})(arg); }).then(
          function (value) { done({value: value === undefined ? null : value}); },
          function (error) { done({error: String((error && error.stack) || error)}); });`;
      const outcome = await session.command('POST', '/execute/async', {script, args: [arg ?? null]});
      if (outcome.error) throw new Error(`in the page: ${outcome.error}`);
      return outcome.value;
    },
    async click(selector) {
      await session.command('POST', `/element/${await element(selector)}/click`);
    },
    async type(selector, text) {
      await session.command('POST', `/element/${await element(selector)}/value`, {text});
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeWindow();
    },
    async dispose() {
      await this.close();
    },
  };
}

function findMiniBrowser(): string {
  if (process.env.MINIBROWSER_PATH) return process.env.MINIBROWSER_PATH;
  for (const lib of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
    if (!existsSync(lib)) continue;
    for (const dir of readdirSync(lib).filter((name) => name.startsWith('webkit2gtk-4.')).sort().reverse()) {
      if (existsSync(`${lib}/${dir}/MiniBrowser`)) return `${lib}/${dir}/MiniBrowser`;
    }
  }
  throw new Error('webkit: MiniBrowser not found (it ships with webkit2gtk-driver); set MINIBROWSER_PATH, or run npm test -- --project=chromium');
}

/** Starts Xvfb on the first free display number and resolves ":N" once it accepts clients. */
function startDisplay(children: ChildProcess[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    children.push(xvfb);
    let errors = '';
    xvfb.stderr!.on('data', (chunk) => (errors += chunk));
    xvfb.stdio[3]!.on('data', (chunk) => resolve(`:${chunk.toString().trim()}`));
    xvfb.on('error', (error) => reject(new Error(`webkit needs Xvfb (apt-get install xvfb): ${error.message}`)));
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${errors}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}
