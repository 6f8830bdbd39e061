// A page script for the replay tests: rrweb's own replayer, showing stored
// events as they were at one moment, with nothing of the viewer around it.
import {Replayer} from '@rrweb/replay';

(window as unknown as {showReplay: object}).showReplay = (events: {timestamp: number}[], at: number): void => {
  const replayer = new Replayer(events as never, {root: document.body, mouseTail: false, showWarning: false, triggerFocus: false});
  replayer.pause(at - events[0].timestamp);
};
