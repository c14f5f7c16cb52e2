/**
 * Errors the kata library raises about a kata folder or a learner's request. Each one carries
 * what was wrong and how to fix it, so the CLI can print it without a stack trace.
 */

/** A kata folder or its metadata does not follow the format. */
export class KataFormatError extends Error {
  override name = 'KataFormatError';
  constructor(
    /** The file (and, for JSON syntax errors, line:column) the problem is in. */
    readonly where: string,
    readonly problem: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${where}: ${problem}\n  Fix: ${fix}`, options);
  }
}

/** The learner asked for a kata that does not exist. */
export class UnknownKataError extends Error {
  override name = 'UnknownKataError';
  constructor(
    readonly requested: string,
    readonly closest: readonly string[],
  ) {
    super(
      `There is no kata named "${requested}".` +
        (closest.length ? ` Did you mean ${closest.map((c) => `"${c}"`).join(' or ')}?` : '') +
        ' Run `npx kata list` to see them all.',
    );
  }
}
