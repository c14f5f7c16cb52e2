/**
 * The shape of a file, measured in the same ESLint pass as the rules (one parse per file): how
 * deep the callbacks nest, how many there are, and one entry per function for the pyramid.
 */
import type { Rule, SourceCode } from 'eslint';
import type * as ESTree from 'estree';

type AnyNode = ESTree.Node & { parent?: AnyNode | null };
type FunctionNode = ESTree.FunctionDeclaration | ESTree.FunctionExpression | ESTree.ArrowFunctionExpression;

/** One function, for the pyramid. */
export interface FunctionShape {
  name: string;
  line: number;
  /** Functions around it, plus one: 1 for a top-level function. */
  depth: number;
  /** Callbacks around it, itself included: 0 for a function that is not passed as an argument. */
  callbackDepth: number;
}

export interface FileShape {
  functions: FunctionShape[];
  /** The deepest nesting of functions passed as arguments to other functions. */
  maxCallbackNesting: number;
  /** Functions written inline as an argument, other than array methods' and promise handlers'. */
  callbacks: number;
  /** `.then`/`.catch`/`.finally` chains, each counted once however long. */
  thenChains: number;
  /** Calls to `...Sync` functions (readFileSync, existsSync...). */
  syncCalls: number;
  /** The line of each of those calls, so a count is never shown without where. */
  syncCallLines: number[];
  /** Lines with code on them: blank and comment-only lines do not count. */
  lines: number;
}

const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);
/** Callbacks that run synchronously or are event listeners: not the kind that builds pyramids. */
const NOT_ASYNC_CALLBACKS = new Set([
  'map', 'forEach', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'flatMap', 'sort', 'toSorted', 'on', 'once', 'addListener', 'addEventListener', 'prependListener',
]);

const propertyName = (callee: ESTree.Node): string | undefined =>
  callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' ? callee.property.name : undefined;

const isFunction = (node: AnyNode | undefined): node is FunctionNode & { parent?: AnyNode } =>
  node?.type === 'FunctionDeclaration' || node?.type === 'FunctionExpression' || node?.type === 'ArrowFunctionExpression';

/** The call a function is an argument of, if it is one. */
const callOf = (fn: AnyNode): ESTree.CallExpression | undefined => {
  const parent = fn.parent;
  return parent?.type === 'CallExpression' && parent.arguments.includes(fn as ESTree.Expression) ? parent : undefined;
};

/** `fs.readFile`, `readConfig`, or `(…).forEach` when what comes before the method is not a plain name. */
function calleeName(callee: ESTree.Node, sourceCode: SourceCode): string {
  const text = sourceCode.getText(callee);
  if (/^[\w$.]+$/.test(text) && text.length <= 28) return text;
  const method = propertyName(callee);
  return method ? `(…).${method}` : `${text.slice(0, 27)}…`;
}

/**
 * A rule that reports nothing and hands each file's shape to `sink` when the file is done.
 * Create one per run: the sink is how the shapes get out of ESLint.
 */
export function scorecardRule(sink: (filename: string, shape: FileShape) => void): Rule.RuleModule {
  return {
    meta: { type: 'suggestion', docs: { description: 'Measures the nesting of functions and callbacks (reports nothing).' }, schema: [] },
    create(context) {
      const sourceCode = context.sourceCode;
      const shape: FileShape = { functions: [], maxCallbackNesting: 0, callbacks: 0, thenChains: 0, syncCalls: 0, syncCallLines: [], lines: 0 };
      const nameOf = (fn: FunctionNode & { parent?: AnyNode }): string => {
        if (fn.type !== 'ArrowFunctionExpression' && fn.id) return fn.id.name;
        const parent = fn.parent;
        const call = callOf(fn);
        if (call) {
          return `callback to ${calleeName(call.callee, sourceCode)}`;
        }
        if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
        if ((parent?.type === 'Property' || parent?.type === 'MethodDefinition') && parent.key.type === 'Identifier') return parent.key.name;
        if (parent?.type === 'AssignmentExpression') return sourceCode.getText(parent.left);
        if (parent?.type === 'NewExpression') return `executor of new ${sourceCode.getText(parent.callee)}`;
        return '(anonymous function)';
      };
      const onFunction = (fn: FunctionNode & { parent?: AnyNode }) => {
        let depth = 1;
        let callbackDepth = callOf(fn) ? 1 : 0;
        for (let up: AnyNode | null | undefined = fn.parent; up; up = up.parent) {
          if (isFunction(up)) {
            depth++;
            if (callOf(up)) callbackDepth++;
          }
        }
        shape.functions.push({ name: nameOf(fn), line: fn.loc!.start.line, depth, callbackDepth });
        shape.maxCallbackNesting = Math.max(shape.maxCallbackNesting, callbackDepth);
        const call = callOf(fn);
        const method = call && propertyName(call.callee);
        if (call && !(method && (PROMISE_METHODS.has(method) || NOT_ASYNC_CALLBACKS.has(method)))) shape.callbacks++;
      };
      return {
        FunctionDeclaration: onFunction,
        FunctionExpression: onFunction,
        ArrowFunctionExpression: onFunction,
        CallExpression(node: ESTree.CallExpression & { parent?: AnyNode }) {
          const method = propertyName(node.callee);
          const name = method ?? (node.callee.type === 'Identifier' ? node.callee.name : undefined);
          if (name?.endsWith('Sync')) {
            shape.syncCalls++;
            shape.syncCallLines.push(node.loc?.start.line ?? 0);
          }
          if (method && PROMISE_METHODS.has(method)) {
            // Count a chain at its last link: the call that is not itself continued by another.
            const parent = node.parent;
            const continued = parent?.type === 'MemberExpression' && parent.object === node && PROMISE_METHODS.has(propertyName(parent) ?? '');
            if (!continued) shape.thenChains++;
          }
        },
        'Program:exit'() {
          const lines = new Set<number>();
          for (const token of sourceCode.ast.tokens) {
            for (let l = token.loc.start.line; l <= token.loc.end.line; l++) lines.add(l);
          }
          shape.lines = lines.size;
          sink(context.filename, shape);
        },
      };
    },
  };
}
