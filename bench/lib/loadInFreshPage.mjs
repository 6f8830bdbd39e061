// One measured run: a fresh browser context (cold cache, new connections,
// empty sessionStorage, so a new session each time), one page loaded at `url`,
// `measure(page)`'s result, the context closed whatever happens.
export async function loadInFreshPage(browser, url, measure) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url, {waitUntil: 'load'});
    return await measure(page);
  } finally {
    await context.close();
  }
}
