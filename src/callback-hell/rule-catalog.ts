/**
 * Every rule the callback-hell check knows: its default setting, and what a finding means in
 * the learner's terms. A kata's metadata picks from this list (see `KataCheckSettings`): the
 * names are the kata format's (src/kata/check-settings.ts), and typing the catalog by them makes
 * a rule missing here, or one the kata format does not know, a compile error.
 */
import type { Linter } from 'eslint';

import { CHECK_RULE_NAMES, type CheckRuleName } from '../kata/check-settings';

export interface CatalogEntry {
  /** The rule's setting when the kata's metadata does not change it. */
  setting: Linter.RuleEntry;
  /** Needs the TypeScript type checker (slower: see scripts/bench-check.sh). */
  typed?: boolean;
  /**
   * The learner's message. `text` is the source from the finding's position, `eslint` and
   * `messageId` the rule's own, for the few rules whose wording depends on which case fired.
   */
  explain(found: { text: string; eslint: string; messageId: string | undefined }): string;
}

const numbers = (s: string) => (s.match(/\d+/g) ?? []).map(Number);

export const RULE_CATALOG: Readonly<Record<CheckRuleName, CatalogEntry>> = {
  'max-nested-callbacks': {
    setting: ['error', { max: 2 }],
    explain: ({ eslint }) => {
      const [depth, max] = numbers(eslint);
      return `callbacks nested ${depth} deep here (at most ${max} allowed): this is the pyramid. Await each step instead, one line after the other.`;
    },
  },
  'max-depth': {
    setting: ['error', { max: 3 }],
    explain: ({ eslint }) => {
      const [depth, max] = numbers(eslint);
      return `blocks nested ${depth} deep (at most ${max} allowed): return early, or move the inner part into its own async function.`;
    },
  },
  'promise/prefer-await-to-callbacks': {
    setting: 'error',
    explain: ({ text }) =>
      /^(cb|callback)\s*\(/.test(text)
        ? 'calling back here: with a promise API, return the value (or throw the error) and let the caller await it.'
        : /^(cb|callback)\b/.test(text)
          ? `a callback parameter (${/^\w+/.exec(text)![0]}) here: turn this API into an async function that returns a promise (util.callbackify keeps the old signature for old callers).`
          : 'a function (err, ...) callback here: await the promise version of this API (fs/promises, util.promisify) instead.',
  },
  'promise/prefer-await-to-then': {
    setting: 'error',
    explain: () => 'a .then()/.catch() chain: write it with await in an async function, one step per line, and try/catch for errors.',
  },
  'promise/no-nesting': {
    setting: 'error',
    explain: () => 'a promise chain nested inside another: return the inner promise and continue the outer chain, or await both one after the other.',
  },
  'promise/no-callback-in-promise': {
    setting: 'error',
    explain: () =>
      'a callback called from inside a promise handler: if it throws, the promise catches that and may call it a second time. util.callbackify calls back outside the promise.',
  },
  'promise/no-promise-in-callback': {
    setting: 'error',
    explain: () => 'a promise used inside a callback: nobody can await it or catch its errors. Turn the outer callback API into a promise first.',
  },
  'n/no-sync': {
    setting: 'error',
    // It asks the type checker about each *Sync call it meets, so it runs with the typed rules.
    typed: true,
    explain: ({ text }) =>
      `a synchronous call (${/^\w+/.exec(text)?.[0] ?? 'a ...Sync function'}): it blocks the whole process while the disk works. Await the fs/promises version instead.`,
  },
  'n/handle-callback-err': {
    setting: ['error', '^(err|error)$'],
    explain: () => 'the callback\'s error is never looked at: check it first, or better, await a promise and let the error throw.',
  },
  'n/callback-return': {
    setting: 'error',
    explain: () => 'a callback called without `return`: the function carries on and may call back twice. `return callback(...)`, or await a promise instead.',
  },
  '@typescript-eslint/no-floating-promises': {
    setting: 'error',
    typed: true,
    explain: () =>
      'a promise nobody waits for: await it, return it, or gather it with Promise.all. Otherwise the caller moves on too soon and its errors are lost.',
  },
  '@typescript-eslint/no-misused-promises': {
    setting: 'error',
    typed: true,
    explain: () =>
      'a promise where nothing waits for it (an async callback to forEach, a promise tested in an if): use for...of with await, or await Promise.all(items.map(...)).',
  },
  '@typescript-eslint/await-thenable': {
    setting: 'error',
    typed: true,
    explain: () => 'await on something that is not a promise: remove the await, or call the promise-returning version of the API.',
  },
  '@typescript-eslint/return-await': {
    setting: ['error', 'in-try-catch'],
    typed: true,
    explain: ({ messageId }) =>
      messageId === 'requiredPromiseAwait'
        ? 'return await here: inside try/catch a plain `return promise` lets the rejection skip the catch.'
        : messageId === 'nonPromiseAwait'
          ? 'await on a value that is not a promise: remove the await.'
          : 'this await before return does nothing outside try/catch: return the promise itself.',
  },
  'kata/no-promise-constructor-around-promise': {
    setting: 'error',
    explain: () =>
      'new Promise around code that already has a promise: return (or await) that promise instead. The wrapper only adds a place to lose errors.',
  },
  'kata/no-independent-await-in-loop': {
    setting: 'error',
    explain: () =>
      'each pass of this loop waits for the one before, but none needs its result: start them together with await Promise.all(items.map(async (item) => ...)).',
  },
};

export const RULE_NAMES: readonly CheckRuleName[] = CHECK_RULE_NAMES;

/** Whether a rule id ESLint reports (a plain string) is one of the check's own rules. */
export function isCheckRule(rule: string): rule is CheckRuleName {
  return (RULE_NAMES as readonly string[]).includes(rule);
}
