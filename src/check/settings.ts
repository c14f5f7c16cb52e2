/**
 * The kata metadata's `check` field: which rules of the callback-hell check the kata's final
 * state must satisfy. Every rule in the catalog applies unless the kata turns it off, because a
 * kata may teach the very pattern a rule forbids (`new Promise` around a legacy SDK).
 *
 * @example
 * // kata.json
 * "check": { "rules": { "promise/avoid-new": "off", "max-nested-callbacks": ["error", { "max": 3 }] } }
 */
import { z } from 'zod';

import { RULE_NAMES } from './rule-catalog';

export const KataCheckSchema = z.strictObject({
  /**
   * Changes to the default rule set, by rule name: "off" for a rule this kata's final state need
   * not satisfy, ["error", options] to change a limit. Unlisted rules keep their defaults.
   */
  rules: z
    .partialRecord(
      z.enum(RULE_NAMES as [string, ...string[]]),
      z.union([z.literal('off'), z.literal('error'), z.tuple([z.literal('error')], z.unknown())]),
    )
    .default({}),
});

export type KataCheckSettings = z.infer<typeof KataCheckSchema>;
