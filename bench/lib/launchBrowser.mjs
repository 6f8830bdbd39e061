// The system Chromium, launched as the e2e tests launch it (scripts/chromium.mjs).
import {chromium} from 'playwright';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../../scripts/chromium.mjs';

export function launchBrowser() {
  return chromium.launch({executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true});
}
