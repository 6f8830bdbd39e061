// A user on the dashboard for `seconds`: typing, scrolling, clicking, moving
// the mouse, while the page's own script keeps updating numbers and the feed.
// The same steps in the same order on every run; the loop stops at the deadline.
const steps = [
  async (page) => {
    await page.click('#search');
    await page.keyboard.type('walnut', {delay: 120});
    await page.waitForTimeout(600);
    await page.fill('#search', '');
  },
  async (page) => {
    for (let i = 0; i < 4; i++) {
      await page.mouse.wheel(0, 500);
      await page.waitForTimeout(250);
    }
  },
  async (page) => {
    for (const range of ['30d', '90d', '7d']) {
      await page.click(`.tabs button[data-range="${range}"]`);
      await page.waitForTimeout(400);
    }
  },
  async (page) => {
    await page.click('#sort');
    await page.waitForTimeout(500);
    await page.click('#next-page');
  },
  async (page) => {
    await page.selectOption('#status-filter', 'pending');
    await page.waitForTimeout(700);
    await page.selectOption('#status-filter', '');
  },
  async (page) => {
    await page.click('#note');
    await page.keyboard.type('Refund approved for the walnut desk, see ticket 4412.', {delay: 60});
    await page.click('#email');
    await page.keyboard.type('ops@example.com', {delay: 60});
    await page.click('#save-note');
  },
  async (page) => {
    for (let i = 0; i < 6; i++) await page.mouse.move(200 + i * 150, 150 + (i % 3) * 120, {steps: 12});
  },
  async (page) => {
    await page.mouse.wheel(0, -2000);
    await page.waitForTimeout(300);
    await page.click('.sidebar li:nth-child(3)');
    await page.waitForTimeout(300);
    await page.click('.sidebar li:nth-child(1)');
  },
];

export async function scriptedSession(page, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  while (Date.now() < deadline) {
    await steps[done % steps.length](page);
    done++;
    await page.waitForTimeout(Math.min(500, Math.max(0, deadline - Date.now())));
  }
  return done;
}
