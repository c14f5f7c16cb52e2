/**
 * The test kit every kata's tests stand on. Import from here:
 *
 * @example
 * import { useTempDir, callLegacy, callPromise, expectRejection, fsFaults, messages } from '../../../src/harness';
 */
export { callLegacy, callPromise, captureUncaught, expectRejection, KataAssertionError, outcome, type Outcome } from './callbacks';
export { fsFaults, FS_CALLS, type FaultRule, type FsCall, type RecordedCall } from './fs-faults';
export { findLeaks, takeSnapshot, type ResourceSnapshot } from './leaks';
export { describeValue, messages } from './messages';
export { countResources, whenQuiet } from './quiet';
export { symlink, useTempDir, writeTree, type TempDir, type Tree } from './temp-dir';
