// The servers every browser test talks to, started for the test on free ports
// and stopped after it: a collector and two sites (two origins). Shared by the
// Chromium tests (e2e/fixtures.ts) and the engine scenarios (e2e/engines/).
import {startCollector, removeDir, type RunningCollector} from './collector';
import {startSite, type Site} from './site';

export interface ServerFixtures {
  collector: RunningCollector;
  site: Site;
  otherSite: Site;
}

type Use<T> = (value: T) => Promise<void>;

const siteFixture = async ({}, use: Use<Site>) => {
  const site = await startSite();
  await use(site);
  await site.stop();
};

export const serverFixtures = {
  collector: async ({}, use: Use<RunningCollector>) => {
    const collector = await startCollector();
    await use(collector);
    await collector.stop();
    removeDir(collector.dataDir);
  },
  site: siteFixture,
  otherSite: siteFixture,
};
