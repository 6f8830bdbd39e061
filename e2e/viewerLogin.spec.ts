// The viewer's login: every /api/* route answers 401 without one, so the
// viewer shows its login form; an access key or a one-time login link opens
// it, "Log out" ends it. The login is an HttpOnly cookie, never the key.
import {test as base, expect} from './fixtures';
import {startCollector, removeDir, type RunningCollector} from './helpers/collector';
import type {Page} from '@playwright/test';

const ADMIN_KEY = 'viewer-login-admin-key-0123456789abcdefghij';

const test = base.extend<{collector: RunningCollector}>({
  collector: async ({}, use) => {
    const collector = await startCollector({env: {TRACKER_ADMIN_KEY: ADMIN_KEY}, args: ['--print-login-link']});
    await use(collector);
    await collector.stop();
    removeDir(collector.dataDir);
  },
});

/** The login link the collector printed at start-up (--print-login-link): its line's one URL with #login=. */
const LOGIN_LINK = /login link\b[^\n]*?(https?:\/\/\S+#login=\S+)/;

async function printedLoginLink(collector: RunningCollector): Promise<string> {
  await expect.poll(() => LOGIN_LINK.test(collector.output()), {message: 'the collector prints a login link'}).toBe(true);
  return collector.output().match(LOGIN_LINK)![1];
}

async function logInWithKey(page: Page, key: string) {
  await page.fill('#login-key', key);
  await page.click('#login button[type=submit]');
}

test('without a login the viewer shows the login form, not the sessions', async ({page, collector}) => {
  await page.goto(`${collector.url}/`);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'login');
  await expect(page.locator('form#login')).toBeVisible();
  await expect(page.locator('#login-error')).toBeHidden();
  await expect(page.locator('table')).toHaveCount(0);
  await expect(page.locator('#log-out')).toHaveCount(0);
  expect((await page.request.get(`${collector.url}/api/sessions`)).status()).toBe(401);
});

test('logging in with the access key shows the sessions list and who is logged in', async ({page, collector}) => {
  await page.goto(`${collector.url}/`);
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  await expect(page.locator('#account-role')).toHaveText('admin');
  await expect(page.locator('#account-name')).not.toBeEmpty();
  await expect(page.locator('#log-out')).toBeVisible();
  // A reload keeps the login: the cookie, not the page, holds it.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
});

test('a wrong key is refused with the collector\'s reason, and the form stays', async ({page, collector}) => {
  await page.goto(`${collector.url}/`);
  await logInWithKey(page, 'not-the-key-not-the-key-not-the-key-0000');
  await expect(page.locator('#login-error')).toBeVisible();
  await expect(page.locator('#login-error')).not.toBeEmpty();
  await expect(page.locator('body')).toHaveAttribute('data-view', 'login');
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
});

test('the login cookie is HttpOnly and SameSite=Strict, and its value is not the key', async ({page, context, collector}) => {
  await page.goto(`${collector.url}/`);
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  const cookie = (await context.cookies(collector.url)).find((c) => c.name === 'tracker_login');
  expect(cookie, 'a tracker_login cookie').toBeDefined();
  expect(cookie!.httpOnly).toBe(true);
  expect(cookie!.sameSite).toBe('Strict');
  expect(cookie!.value).not.toBe(ADMIN_KEY);
  expect(cookie!.value).not.toContain(ADMIN_KEY);
  expect(await page.evaluate(() => document.cookie)).not.toContain('tracker_login');
  // Neither the address bar nor the page kept the key.
  expect(page.url()).not.toContain(ADMIN_KEY);
  expect(await page.content()).not.toContain(ADMIN_KEY);
});

test('a login link opens the viewer in one click, leaves no token behind, and works once', async ({page, browser, collector}) => {
  const link = await printedLoginLink(collector);
  const token = link.split('#login=')[1];
  expect(token).toBeTruthy();
  await page.goto(link);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  await expect(page.locator('#account-role')).not.toBeEmpty();
  expect(await page.evaluate(() => location.href)).not.toContain(token);
  expect(await page.evaluate(() => location.hash)).toBe('#/');

  // A second use, in another browser without the first one's cookie, is refused.
  const other = await browser.newContext();
  try {
    const second = await other.newPage();
    await second.goto(link);
    await expect(second.locator('body')).toHaveAttribute('data-view', 'login');
    await expect(second.locator('#login-error')).toBeVisible();
    await expect(second.locator('#login-error')).not.toBeEmpty();
    expect(await second.evaluate(() => location.href)).not.toContain(token);
    expect((await other.cookies(collector.url)).find((c) => c.name === 'tracker_login')).toBeUndefined();
  } finally {
    await other.close();
  }
});

test('a login link made by an admin opens the viewer too', async ({page, browser, collector}) => {
  await page.goto(`${collector.url}/`);
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  const made = await page.request.post(`${collector.url}/api/login-links`, {data: {}});
  expect(made.status()).toBe(200);
  const {url} = await made.json();
  expect(url).toMatch(/#login=/);
  const other = await browser.newContext();
  try {
    const invited = await other.newPage();
    await invited.goto(url);
    await expect(invited.locator('body')).toHaveAttribute('data-view', 'list');
    expect(invited.url()).not.toContain('#login=');
  } finally {
    await other.close();
  }
});

test('"Log out" returns to the login form, and the old cookie no longer opens the API', async ({page, context, collector}) => {
  await page.goto(`${collector.url}/`);
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  const old = (await context.cookies(collector.url)).find((c) => c.name === 'tracker_login')!;
  await page.click('#log-out');
  await expect(page.locator('body')).toHaveAttribute('data-view', 'login');
  await expect(page.locator('form#login')).toBeVisible();
  await expect(page.locator('#log-out')).toHaveCount(0);
  // Sent again by hand, the old login is dead on the collector, not only forgotten by the browser.
  const replayed = await fetch(`${collector.url}/api/sessions`, {headers: {Cookie: `tracker_login=${old.value}`}});
  expect(replayed.status).toBe(401);
  expect((await page.request.get(`${collector.url}/api/sessions`)).status()).toBe(401);
});

test('when the login ends while the viewer is open, the next page asks for a login again', async ({page, context, collector}) => {
  await page.goto(`${collector.url}/`);
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  await context.clearCookies();
  await page.evaluate(() => (location.hash = '#/?hasErrors=1'));
  await expect(page.locator('body')).toHaveAttribute('data-view', 'login');
  await expect(page.locator('#login-error')).not.toBeEmpty();
  // Logged in again, the viewer goes on where it was.
  await logInWithKey(page, ADMIN_KEY);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  await expect(page.locator('input[name=hasErrors]')).toBeChecked();
});
