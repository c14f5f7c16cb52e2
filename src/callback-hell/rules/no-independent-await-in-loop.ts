/**
 * Flags a `for`, `for...of` or `for...in` loop that awaits on every pass although no pass needs
 * the one before: the calls run one after another when they could run at the same time with
 * `Promise.all`.
 *
 * ESLint's own `no-await-in-loop` flags every await in a loop. This rule flags only loops whose
 * passes look independent, so that a retry loop, a loop that stops at the first hit, or one that
 * carries a value from pass to pass is left alone. A pass depends on the one before when the
 * loop body reassigns a variable declared outside it (`total = total + await size(f)`), or
 * leaves the loop early (`break`, `return`). `while` and `do...while` loops are not checked:
 * they are usually polls and retries. Mutating an outer object (`results.push(await f(x))`)
 * does not make a pass dependent: `Promise.all` keeps the order. Awaiting `Promise.race(running)`
 * or `Promise.any(running)` over a collection declared outside the loop is waiting for a free
 * slot among the work already started (a bounded loop), not one pass after another: that await is
 * left alone, and the loop's other awaits are still checked. A race of the pass's own promises
 * (`Promise.race([timeout(), run(x)])`) is still one pass after another.
 *
 * @example
 * // flagged:
 * for (const file of files) texts.push(await readFile(file, 'utf8'));
 * // not flagged (stops at the first file that exists):
 * for (const file of files) if (await exists(file)) return file;
 */
import type { Rule, Scope, SourceCode } from 'eslint';
import type * as ESTree from 'estree';

type Loop = ESTree.ForStatement | ESTree.ForOfStatement | ESTree.ForInStatement;
type AnyNode = ESTree.Node & { parent?: AnyNode | null };

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const LOOP_TYPES = new Set(['ForStatement', 'ForOfStatement', 'ForInStatement', 'WhileStatement', 'DoWhileStatement']);
const BREAKABLE_TYPES = new Set([...LOOP_TYPES, 'SwitchStatement']);

const within = (inner: ESTree.Node, outer: ESTree.Node): boolean =>
  inner.range![0] >= outer.range![0] && inner.range![1] <= outer.range![1];

/** The loop an await belongs to, if the await is in its body and no function lies between. */
function enclosingLoop(node: AnyNode): Loop | undefined {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (FUNCTION_TYPES.has(parent.type)) return undefined;
    if (LOOP_TYPES.has(parent.type)) {
      if (parent.type === 'WhileStatement' || parent.type === 'DoWhileStatement') return undefined;
      if (parent.type === 'ForOfStatement' && parent.await) return undefined;
      return (parent as Loop).body === child ? (parent as Loop) : undefined;
    }
  }
  return undefined;
}

/**
 * `await Promise.race(pool)` or `await Promise.any(pool)` where `pool` (or the object of
 * `pool.values()`) is declared outside the loop (not in its head or body): waiting for a free slot among work already
 * running, which the passes share.
 */
function waitsForSlot(node: ESTree.AwaitExpression, loop: Loop, sourceCode: SourceCode): boolean {
  const call = node.argument;
  if (call.type !== 'CallExpression' || call.callee.type !== 'MemberExpression') return false;
  const { object, property, computed } = call.callee;
  const raceOrAny = object.type === 'Identifier' && object.name === 'Promise' && !computed && property.type === 'Identifier' && (property.name === 'race' || property.name === 'any');
  if (!raceOrAny || call.arguments.length !== 1) return false;
  // The collection's root name: running, or inFlight in inFlight.values().
  let root: ESTree.Node = call.arguments[0]!;
  while (root.type === 'CallExpression' || root.type === 'MemberExpression') root = root.type === 'CallExpression' ? root.callee : root.object;
  if (root.type !== 'Identifier') return false;
  for (let scope: Scope.Scope | null = sourceCode.getScope(node); scope; scope = scope.upper) {
    const variable = scope.set.get(root.name);
    if (variable) return variable.defs.length > 0 && !within(variable.defs[0]!.name as ESTree.Node, loop);
  }
  return false;
}

/** True when a `break` or `return` in the body can end the loop early. */
function leavesEarly(body: ESTree.Node, sourceCode: SourceCode): boolean {
  let found = false;
  const visit = (node: AnyNode, breakable: boolean) => {
    if (found) return;
    if (node.type === 'ReturnStatement') found = true;
    if (node.type === 'BreakStatement' && (node.label || !breakable)) found = true;
    if (FUNCTION_TYPES.has(node.type)) return;
    const inner = breakable || BREAKABLE_TYPES.has(node.type);
    for (const key of sourceCode.visitorKeys[node.type] ?? []) {
      const value = (node as unknown as Record<string, unknown>)[key];
      for (const child of Array.isArray(value) ? value : [value]) {
        if (child && typeof (child as ESTree.Node).type === 'string') visit(child as AnyNode, inner);
      }
    }
  };
  visit(body as AnyNode, false);
  return found;
}

/** True when the body reassigns a variable declared outside it: a value carried between passes. */
function carriesValue(loop: Loop, sourceCode: SourceCode): boolean {
  const seen = new Set<Scope.Scope>();
  const scopesIn = (scope: Scope.Scope): Scope.Scope[] => {
    if (seen.has(scope)) return [];
    seen.add(scope);
    return [scope, ...scope.childScopes.flatMap(scopesIn)];
  };
  // The loop's own scope (for `let`/`const` in its head) or, failing that, the one around it.
  const loopScope = sourceCode.scopeManager.acquire(loop) ?? sourceCode.getScope(loop);
  const scopes = scopesIn(loopScope).filter((s) => s.block === loop || within(s.block, loop));
  return scopes.some((scope) =>
    scope.references.some((ref) => {
      if (!ref.isWrite() || !within(ref.identifier as ESTree.Node, loop.body)) return false;
      const def = ref.resolved?.defs[0];
      // An unresolved global, or a variable declared outside the body, carries a value over.
      return !def || !within(def.name as ESTree.Node, loop.body);
    }),
  );
}

export const noIndependentAwaitInLoop: Rule.RuleModule = {
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Disallow awaiting, one pass at a time, work whose passes do not depend on each other.',
    },
    messages: {
      sequential:
        'Each pass of this loop waits for the one before, but none needs its result: start them together with `await Promise.all(items.map(async (item) => ...))`.',
    },
    schema: [],
  },
  create(context) {
    const sourceCode = context.sourceCode;
    const reported = new Set<Loop>();
    return {
      AwaitExpression(node: ESTree.AwaitExpression) {
        const loop = enclosingLoop(node as AnyNode);
        if (!loop || reported.has(loop) || waitsForSlot(node, loop, sourceCode)) return;
        reported.add(loop);
        if (leavesEarly(loop.body, sourceCode) || carriesValue(loop, sourceCode)) return;
        context.report({ node, messageId: 'sequential' });
      },
    };
  },
};
