/**
 * The kata metadata's `check` field: which rules of the callback-hell check the kata's final
 * state must satisfy. Every rule in the catalog applies unless the kata turns it off, because a
 * kata may teach the very pattern a rule forbids (`new Promise` around a legacy SDK).
 *
 * The field is part of the kata format, so its schema lives here and src/kata imports nothing
 * from the check. The names a kata may use are listed here; what each rule means to the learner
 * is the check's business (src/callback-hell/rule-catalog.ts), and that catalog is typed by
 * `CheckRuleName`, so the compiler keeps the two lists the same.
 *
 * @example
 * // kata.json
 * "check": { "rules": { "kata/no-promise-constructor-around-promise": "off", "max-nested-callbacks": ["error", { "max": 3 }] } }
 */
import { z } from 'zod';

/** Every rule of the callback-hell check, in the order the check runs and reports them. */
export const CHECK_RULE_NAMES = [
  'max-nested-callbacks',
  'max-depth',
  'promise/prefer-await-to-callbacks',
  'promise/prefer-await-to-then',
  'promise/no-nesting',
  'promise/no-callback-in-promise',
  'promise/no-promise-in-callback',
  'n/no-sync',
  'n/handle-callback-err',
  'n/callback-return',
  '@typescript-eslint/no-floating-promises',
  '@typescript-eslint/no-misused-promises',
  '@typescript-eslint/await-thenable',
  '@typescript-eslint/return-await',
  'kata/no-promise-constructor-around-promise',
  'kata/no-independent-await-in-loop',
] as const;

export type CheckRuleName = (typeof CHECK_RULE_NAMES)[number];

export const KataCheckSchema = z.strictObject({
  /**
   * Changes to the default rule set, by rule name: "off" for a rule this kata's final state need
   * not satisfy, ["error", options] to change a limit. Unlisted rules keep their defaults.
   */
  rules: z
    .partialRecord(
      z.enum(CHECK_RULE_NAMES),
      z.union([z.literal('off'), z.literal('error'), z.tuple([z.literal('error')], z.unknown())]),
    )
    .default({}),
});

export type KataCheckSettings = z.infer<typeof KataCheckSchema>;
