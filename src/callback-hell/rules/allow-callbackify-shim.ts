/**
 * `promise/prefer-await-to-callbacks`, minus one case: the callback parameter of a shim that only
 * hands the callback to `util.callbackify(...)`. That is the shape the katas ask for (keep the
 * old callback signature for old callers, built on the promise API), so flagging it would tell a
 * learner who has finished to undo the very thing the kata asked for.
 *
 * @example
 * export function loadConfig(file: string, callback: ConfigCallback): void {
 *   callbackify(promises.loadConfig)(file, callback);   // not flagged
 * }
 */
import type { Rule } from 'eslint';
import type * as ESTree from 'estree';

type FunctionNode = ESTree.FunctionDeclaration | ESTree.FunctionExpression | ESTree.ArrowFunctionExpression;

const isCallbackify = (callee: ESTree.Node): boolean =>
  (callee.type === 'Identifier' && callee.name === 'callbackify') ||
  (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && callee.property.name === 'callbackify');

/** `callbackify(x)(...)`, as the whole body of a function (a statement, a return, or an arrow's expression). */
function isShimBody(fn: FunctionNode): boolean {
  let expression: ESTree.Node | null | undefined;
  if (fn.body.type === 'BlockStatement') {
    if (fn.body.body.length !== 1) return false;
    const only = fn.body.body[0]!;
    expression = only.type === 'ExpressionStatement' ? only.expression : only.type === 'ReturnStatement' ? only.argument : undefined;
  } else {
    expression = fn.body;
  }
  return expression?.type === 'CallExpression' && expression.callee.type === 'CallExpression' && isCallbackify(expression.callee.callee);
}

function isShimParameter(node: ESTree.Node | undefined): boolean {
  const parent = (node as (ESTree.Node & { parent?: ESTree.Node }) | undefined)?.parent;
  if (!parent || !['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'].includes(parent.type)) return false;
  const fn = parent as FunctionNode;
  return fn.params.includes(node as ESTree.Pattern) && isShimBody(fn);
}

export function allowCallbackifyShim(rule: Rule.RuleModule): Rule.RuleModule {
  return {
    ...rule,
    create(context) {
      const filtered = Object.create(context, {
        report: {
          value: (descriptor: Rule.ReportDescriptor) => {
            if ('node' in descriptor && isShimParameter(descriptor.node as ESTree.Node)) return;
            context.report(descriptor);
          },
        },
      }) as Rule.RuleContext;
      return rule.create(filtered);
    },
  };
}
