// `npm start`'s demo, run as a user runs it: the shop hands its session to the
// payment site on another origin through the link carrying the sessionHash.
import {spawn} from 'node:child_process';
import {createServer} from 'node:net';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test, expect} from './fixtures';
import {removeDir} from './helpers/collector';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

test('the demo shop continues its session on the payment site of another origin', async ({page}) => {
  const [shop, other, collector] = await Promise.all([freePort(), freePort(), freePort()]);
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-demo-'));
  const siteDir = mkdtempSync(join(tmpdir(), 'tracker-demo-site-'));
  const demo = spawn(process.execPath, ['demo/serve.mjs'], {
    env: {...process.env, DEMO_PORT: String(shop), DEMO_OTHER_PORT: String(other), COLLECTOR_PORT: String(collector), DEMO_DATA: dataDir, DEMO_SITE: siteDir},
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    await new Promise<void>((resolve) =>
      demo.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Press Ctrl+C')) resolve();
      }),
    );
    expect(output).toContain(`http://127.0.0.1:${shop}/index.html`);
    // The viewer opens in one click, logged in, from the login link printed last.
    const link = /replay viewer \(one click logs you in\): (\S+)/.exec(output)![1];
    const viewer = await page.context().newPage();
    await viewer.goto(link);
    await expect(viewer.locator('body')).toHaveAttribute('data-view', 'list');
    expect(viewer.url()).not.toContain('#login=');
    await viewer.close();
    await page.goto(`http://127.0.0.1:${shop}/index.html`);
    await expect(page.locator('#status')).toContainText('recording session');
    const sessionID = (await page.locator('#status').textContent())!.replace('recording session ', '');
    await page.click('#add-card');
    await page.click('#to-checkout');
    await expect(page).toHaveURL(new RegExp(`^http://127.0.0.1:${other}/checkout.html`));
    await expect(page.locator('#status')).toHaveText(`recording session ${sessionID}`);
    const headers = {Authorization: `Bearer ${readFileSync(join(dataDir, 'admin-key'), 'utf8').trim()}`};
    const session = await (await fetch(`http://127.0.0.1:${collector}/api/sessions/${sessionID}`, {headers})).json();
    expect(session.pages.map((p: {url: string}) => new URL(p.url).port)).toEqual([String(shop), String(other)]);
  } finally {
    demo.kill('SIGTERM');
    await new Promise((resolve) => demo.once('exit', resolve));
    removeDir(dataDir);
    removeDir(siteDir);
  }
});
