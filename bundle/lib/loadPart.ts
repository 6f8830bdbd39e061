// The optional parts of the tracker (tracker-canvas.js, tracker-assist.js)
// live in their own files, so that sites without them pay nothing: loaded
// here, beside the bundle and with the bundle's own nonce and crossOrigin, so
// a strict CSP that allows the bundle allows them too. A part hands its start
// function back through a DOM event on window (`tracker:<name>`): no global
// beyond window.tracker.
import {warn} from './warn';

export type PartName = 'canvas' | 'assist';

export const partReadyEvent = (name: PartName) => `tracker:${name}`;

/** `url` is the site's `<name>ScriptUrl` option; without it, the part is looked for beside the bundle. */
export function loadPart<T>(name: PartName, url: string | undefined, bundleScript: HTMLScriptElement | null | undefined): Promise<T | null> {
  return new Promise((resolve) => {
    url ||= bundleScript?.src ? new URL(`tracker-${name}.js`, bundleScript.src).href : '';
    if (!url) {
      warn(`${name} needs ${name}ScriptUrl`);
      return resolve(null);
    }
    addEventListener(partReadyEvent(name), (event) => resolve((event as CustomEvent).detail), {once: true});
    const script = document.createElement('script');
    script.src = url;
    if (bundleScript) {
      script.nonce = bundleScript.nonce;
      script.crossOrigin = bundleScript.crossOrigin;
    }
    script.onerror = () => {
      warn(`${url} could not be loaded: no ${name}`);
      resolve(null);
    };
    document.head.append(script);
  });
}
