/**
 * Every message a file-system gate (`fsFaults.hold`) shows: a learner's when the code did not
 * start the operations together, an author's when a test releases what is not held.
 *
 * @example
 * throw new KataAssertionError(fsGateMessages.notAllAtOnce('loadConfig(a.json)', 'readFile', 2, 1));
 */
export const fsGateMessages = {
  notAllAtOnce: (label: string, call: string, expected: number, held: number, advice?: string) =>
    held === 0
      ? `${label} made no ${call} call the test expected (0 of ${expected}) before it went quiet: the files were not read, ` +
        'or read with a synchronous call, or the code stopped early (an error swallowed?).'
      : `${label} had only ${held} of the ${expected} ${call} calls under way together when the loop went quiet: ` +
        `${held === 1 ? 'it waits for each one before starting the next' : 'some start only after others finish'} ` +
        `(an \`await\` inside a loop, or a chain of callbacks). ${advice ?? 'They are independent: start them all, then await them together (Promise.all).'}`,
  nothingToRelease: (call: string, match: string, held: string[]) =>
    `gate.release(${match}) found no held ${call} completion that matches (held: ${held.length === 0 ? 'none' : held.join(', ')}). ` +
    'Wait for it first (await gate.waitForHeld(n)), or check the path pattern.',
} as const;
