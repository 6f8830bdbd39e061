// The engine's binary, or an error that tells a user without it what to do.
import {existsSync} from 'node:fs';
import {BINARIES, type EngineName} from './engine';

export function binaryOf(name: EngineName): string {
  const {env, path, debianPackage} = BINARIES[name];
  const binary = process.env[env] || path;
  if (!existsSync(binary)) {
    throw new Error(
      `${name}: ${binary} not found. Install it (apt-get install ${debianPackage}), point ${env} at it, ` +
        'or run the Chromium tests alone: npm test -- --project=chromium',
    );
  }
  return binary;
}
