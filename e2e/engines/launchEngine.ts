// Starts the named engine through its adapter: Puppeteer for Chromium and
// Firefox (puppeteerEngine.ts), WebDriver for WebKit (webkitEngine.ts). Each
// adapter is loaded only when its engine runs.
import type {Engine, EngineName} from './engine';

export async function launchEngine(name: EngineName): Promise<Engine> {
  if (name === 'webkit') return (await import('./webkitEngine')).launchWebKit();
  return (await import('./puppeteerEngine')).launchPuppeteer(name);
}
