// Privacy inside the recording: secret-looking URL values in the recorded DOM
// (links, images, stylesheets, style attributes) are redacted, and emails and
// card numbers in text masked, in the page, before anything reaches the
// collector; whether present at the first snapshot or added later.
import type {Page} from '@playwright/test';
import {storedText} from './helpers/storedText';
import {test, expect, trackedPage, waitForSession, startTracker, waitForRecording} from './fixtures';
import type {RunningCollector, StoredSession} from './helpers/collector';
import type {Site} from './helpers/site';

const EMAIL = 'ann.lee@example.com';
const CARD = '4111 1111 1111 1111';
const LATER_EMAIL = 'bob.stone@example.org';
const LATER_CARD = '5555-5555-5555-4444';
// Every secret carries SECRET: none may be stored anywhere.
const HEAD = `
  <link rel="stylesheet" href="/styles.css?token=LINKSECRET1">
  <style>.banner { background: url("/img/banner.png?key=STYLESECRET2") }</style>`;
const BODY = `
  <a id="reset" href="/reset?token=RESETSECRET3&step=2">Reset your password</a>
  <img id="logo" src="/img/logo.png?key=IMGSECRET4" alt="logo">
  <div class="banner" style="background-image: url(/img/box.png?token=INLINESECRET5)">box</div>
  <p>Contact ${EMAIL}, paid with ${CARD}.</p>
  <div id="later"></div>`;
const SECRETS = ['LINKSECRET1', 'CSSSECRET6', 'STYLESECRET2', 'RESETSECRET3', 'IMGSECRET4', 'INLINESECRET5', 'MUTATIONSECRET7', 'ATTRIBUTESECRET8'];
const masked = (text: string) => text.replace(/\S/g, '*');

function serveSite(site: Site) {
  site.file('/styles.css', '.hero { background-image: url(/img/hero.png?token=CSSSECRET6) }', 'text/css');
}

/** Records the page, adds a link and text by a mutation, changes an image, and returns the session once the mutations are stored. */
async function recordAndMutate(page: Page, site: Site, collector: RunningCollector, initOptions: object = {}): Promise<StoredSession> {
  serveSite(site);
  await page.goto(trackedPage(site, collector, {head: HEAD, body: BODY, initOptions: {flushIntervalMs: 200, ...initOptions}}));
  const result = await startTracker(page);
  expect(result.success).toBe(true);
  await waitForRecording(page);
  await page.evaluate(
    ([email, card]) => {
      const later = document.getElementById('later')!;
      later.innerHTML = `<p>Later: ${email}, card ${card}</p><a href="/confirm?code=MUTATIONSECRET7">confirm</a>`;
      document.getElementById('logo')!.setAttribute('src', '/img/logo.png?sig=ATTRIBUTESECRET8');
    },
    [LATER_EMAIL, LATER_CARD],
  );
  const sessionID = result.sessionID as string;
  await waitForSession(collector, sessionID, (s) => JSON.stringify(s).includes('/confirm?code='));
  await page.evaluate(() => (window as any).tracker.stop());
  return waitForSession(collector, sessionID, (s) => JSON.stringify(s).includes('/confirm?code='));
}

test('URL secrets in the recorded DOM are redacted, and emails and card numbers masked, before they reach the collector', async ({page, site, collector}) => {
  const session = await recordAndMutate(page, site, collector);
  const events = JSON.stringify(session.pages.flatMap((stored) => stored.events ?? []));
  // rrweb makes the DOM's URLs absolute; the redaction keeps them as rrweb wrote them.
  for (const redacted of [
    `${site.origin}/reset?token=[redacted]&step=2`,
    `${site.origin}/img/logo.png?key=[redacted]`,
    `url(${site.origin}/img/box.png?token=[redacted])`,
    // From the CSSOM, which quotes every url().
    `${site.origin}/img/banner.png?key=[redacted]`,
    `${site.origin}/img/hero.png?token=[redacted]`,
    `${site.origin}/confirm?code=[redacted]`,
    '/img/logo.png?sig=[redacted]',
    `Contact ${masked(EMAIL)}, paid with ${masked(CARD)}.`,
    `Later: ${masked(LATER_EMAIL)}, card ${masked(LATER_CARD)}`,
  ]) {
    expect(events, `${redacted} is in the stored events`).toContain(redacted);
  }
  const stored = storedText(collector.dataDir);
  expect(stored).toContain('[redacted]');
  for (const secret of [...SECRETS, EMAIL, CARD, LATER_EMAIL, LATER_CARD]) expect(stored, `${secret} is stored`).not.toContain(secret);
});

test('with maskEmailsAndCards: false, emails and card numbers are recorded as they are, and URL secrets are still redacted', async ({page, site, collector}) => {
  const session = await recordAndMutate(page, site, collector, {maskEmailsAndCards: false});
  const events = JSON.stringify(session.pages.flatMap((stored) => stored.events ?? []));
  for (const text of [`Contact ${EMAIL}, paid with ${CARD}.`, `Later: ${LATER_EMAIL}, card ${LATER_CARD}`]) expect(events).toContain(text);
  const stored = storedText(collector.dataDir);
  for (const secret of SECRETS) expect(stored, `${secret} is stored`).not.toContain(secret);
});
