/**
 * The check's own ESLint rules, for what no published rule covers. Registered as the `kata`
 * plugin: `kata/no-promise-constructor-around-promise`, `kata/no-independent-await-in-loop`.
 */
import type { ESLint } from 'eslint';

import { noIndependentAwaitInLoop } from './no-independent-await-in-loop';
import { noPromiseConstructorAroundPromise } from './no-promise-constructor-around-promise';

export const kataPlugin: ESLint.Plugin = {
  meta: { name: 'kata' },
  rules: {
    'no-promise-constructor-around-promise': noPromiseConstructorAroundPromise,
    'no-independent-await-in-loop': noIndependentAwaitInLoop,
  },
};
