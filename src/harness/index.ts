/**
 * The test kit every kata's tests stand on. Import from here:
 *
 * @example
 * import { useTempDir, callLegacy, callPromise, expectRejection, fsFaults, messages } from '../../../src/harness';
 */
export { callLegacy, callPromise, CALLER_ERROR_MESSAGE, expectCallerErrorEscapes, expectRejection, KataAssertionError, outcome, type Outcome } from './callbacks';
export { svgBars, textBars, type Bar } from './bench-chart';
export { captureUncaught, scopedCapture, type ScopedCapture } from './escapes';
export { countWorkersStarted, expectResponsive, expectWorkerStarted, measureResponsiveness, type Responsiveness } from './event-loop-probe';
export { FAKED_TIMERS, installFakeTime, settleWhileTicking, useFakeTime, type FakeTime } from './fake-time';
export { createPipeFiles, MAX_PIPES, usePipeFiles, type PipeFiles } from './file-probe';
export { FS_CALLS, fsFaults, FsGate, type FaultRule, type FsCall, type HeldCompletion, type HoldRule, type RecordedCall } from './fs-faults';
export { findLeaks, takeSnapshot, type ResourceSnapshot } from './leaks';
export { chunksFor, startLineServer, useLineServer, type Delivery, type LineConnection, type LineServer } from './line-server';
export { httpFaults, peersGone, startLoopbackServer, tcpHandles, useLoopbackServer, type CannedResponse, type Gate, type LoopbackServer, type RecordedRequest, type Reply } from './loopback-server';
export { describeValue, fsGateMessages, messages, networkMessages, probeMessages } from './messages';
export { countResources, STALL_FLOOR_MS, untilDoneOrStalled, watch, whenQuiet } from './quiet';
export { isSymlink, symlink, useTempDir, writeTree, type TempDir, type Tree } from './temp-dir';
