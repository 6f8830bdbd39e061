// The size floor: @rrweb/record alone, with nothing of ours, kept alive by one
// global so that the minifier cannot drop it.
import {record} from '@rrweb/record';

(window as unknown as {rrwebRecord: typeof record}).rrwebRecord = record;
