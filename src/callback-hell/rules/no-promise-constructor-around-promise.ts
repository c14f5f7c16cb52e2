/**
 * Flags `new Promise(...)` whose executor already works with a promise (calls `.then`, `.catch`
 * or `.finally`, or awaits): the "explicit construction" anti-pattern. The wrapper adds nothing
 * but a place to lose errors (a throw between the two promises never reaches `reject`) and a
 * chance to forget `reject` altogether.
 *
 * `new Promise` around a callback API (a legacy SDK, `setTimeout`, an event emitter) is not
 * flagged: that is what the constructor is for.
 *
 * @example
 * // flagged:
 * new Promise((resolve, reject) => { fetchUser(id).then(resolve, reject); });
 * // not flagged:
 * new Promise((resolve, reject) => { sdk.get(id, (err, user) => (err ? reject(err) : resolve(user))); });
 */
import type { Rule } from 'eslint';
import type * as ESTree from 'estree';

const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

interface OpenExecutor {
  construction: ESTree.NewExpression;
  /** What in the executor shows it already has a promise: the first one found. */
  evidence?: { what: string; line: number };
}

const isPromiseConstruction = (node: ESTree.NewExpression): boolean =>
  node.callee.type === 'Identifier' &&
  node.callee.name === 'Promise' &&
  (node.arguments[0]?.type === 'ArrowFunctionExpression' || node.arguments[0]?.type === 'FunctionExpression');

export const noPromiseConstructorAroundPromise: Rule.RuleModule = {
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Disallow wrapping code that already has a promise in `new Promise`.',
    },
    messages: {
      wrapped:
        'This `new Promise` wraps code that already has a promise ({{what}} on line {{line}}): return that promise, or await it in an async function, instead of wrapping it.',
    },
    schema: [],
  },
  create(context) {
    const open: OpenExecutor[] = [];
    const note = (what: string, node: ESTree.Node) => {
      const top = open[open.length - 1];
      if (top && !top.evidence) top.evidence = { what, line: node.loc?.start.line ?? 0 };
    };
    return {
      NewExpression(node: ESTree.NewExpression) {
        if (!isPromiseConstruction(node)) return;
        open.push({ construction: node });
        const executor = node.arguments[0] as ESTree.ArrowFunctionExpression | ESTree.FunctionExpression;
        if (executor.async) note('an async executor', executor);
      },
      'NewExpression:exit'(node: ESTree.NewExpression) {
        if (open[open.length - 1]?.construction !== node) return;
        const { evidence } = open.pop()!;
        if (evidence) context.report({ node, messageId: 'wrapped', data: { what: evidence.what, line: String(evidence.line) } });
      },
      CallExpression(node: ESTree.CallExpression) {
        const callee = node.callee;
        if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && PROMISE_METHODS.has(callee.property.name)) {
          note(`.${callee.property.name}()`, node);
        }
      },
      AwaitExpression(node: ESTree.AwaitExpression) {
        note('await', node);
      },
    };
  },
};
