/**
 * Errors the kata library raises about a kata folder or a learner's request. Each one carries
 * what was wrong and how to fix it, so the CLI can print it without a stack trace.
 */

/** What kind of format problem it is: callers branch on this, never on the wording. */
export type KataFormatCode =
  | 'KATA_META_UNREADABLE'
  | 'KATA_META_NOT_JSON'
  | 'KATA_META_INVALID'
  | 'KATA_PATH_MISSING'
  | 'KATA_LEARNER_FILE_MISSING'
  | 'KATA_REFERENCE_FILE_MISSING'
  | 'KATA_DUPLICATE'
  | 'KATA_REQUIREMENT_INVALID'
  | 'KATA_PATCH_FAILED';

/** A kata folder or its metadata does not follow the format. */
export class KataFormatError extends Error {
  override name = 'KataFormatError';
  readonly code: KataFormatCode;
  constructor(
    /** The file (and, for JSON syntax errors, line:column) the problem is in. */
    readonly where: string,
    readonly problem: string,
    readonly fix: string,
    options: { code: KataFormatCode; cause?: unknown },
  ) {
    super(`${where}: ${problem}\n  Fix: ${fix}`, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = options.code;
  }
}

/** The learner asked for a kata that does not exist. */
export class UnknownKataError extends Error {
  override name = 'UnknownKataError';
  readonly code = 'KATA_UNKNOWN';
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
