/**
 * The check's own ESLint rules, through ESLint's RuleTester (which registers its cases with
 * mocha's describe/it): each rule's valid and invalid cases, parsed as TypeScript.
 */
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';

import { noIndependentAwaitInLoop } from '../../src/callback-hell/rules/no-independent-await-in-loop';
import { noPromiseConstructorAroundPromise } from '../../src/callback-hell/rules/no-promise-constructor-around-promise';

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module', ecmaVersion: 2022 } });

tester.run('kata/no-promise-constructor-around-promise', noPromiseConstructorAroundPromise, {
  valid: [
    { name: 'new Promise around a callback API (what it is for)', code: 'new Promise((resolve, reject) => sdk.get(id, (err, user) => (err ? reject(err) : resolve(user))));' },
    { name: 'new Promise around a timer', code: 'const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));' },
    { name: '.then on the constructed promise is outside the executor', code: 'new Promise((resolve) => emitter.once("ready", resolve)).then(() => start());' },
    { name: 'returning the promise itself', code: 'function user(id: string) { return fetchUser(id).then((u) => u.name); }' },
    { name: 'a Promise static method is not a construction', code: 'Promise.resolve(1).then(log);' },
  ],
  invalid: [
    {
      name: '.then(resolve, reject) inside the executor',
      code: 'new Promise((resolve, reject) => { fetchUser(id).then(resolve, reject); });',
      errors: [{ messageId: 'wrapped', data: { what: '.then()', line: '1' } }],
    },
    {
      name: '.catch(reject) inside a function executor',
      code: 'const p = new Promise(function (resolve, reject) {\n  resolve(readFile(f));\n  readFile(f).catch(reject);\n});',
      errors: [{ messageId: 'wrapped', data: { what: '.catch()', line: '3' }, line: 1 }],
    },
    {
      name: 'an async executor',
      code: 'new Promise(async (resolve) => resolve(await readFile(f)));',
      errors: [{ messageId: 'wrapped', data: { what: 'an async executor', line: '1' } }],
    },
    {
      name: 'only the wrapper around the promise, not the one around the callback',
      code: 'new Promise((ok) => setTimeout(ok, 1));\nnew Promise((resolve) => { load().then(resolve); });',
      errors: [{ messageId: 'wrapped', line: 2 }],
    },
  ],
});

tester.run('kata/no-independent-await-in-loop', noIndependentAwaitInLoop, {
  valid: [
    { name: 'Promise.all', code: 'async function f(files: string[]) { return Promise.all(files.map((f) => read(f))); }' },
    { name: 'a value carried from pass to pass', code: 'async function f(files: string[]) { let total = 0; for (const f of files) { total += await size(f); } return total; }' },
    { name: 'stops at the first hit (return)', code: 'async function f(files: string[]) { for (const f of files) { if (await exists(f)) return f; } }' },
    { name: 'stops at the first hit (break)', code: 'async function f(files: string[]) { let hit; for (const f of files) { if (await exists(f)) { hit = f; break; } } return hit; }' },
    { name: 'a retry loop with while', code: 'async function f() { while (!(await ready())) { await sleep(10); } }' },
    { name: 'for await', code: 'async function f(stream: AsyncIterable<string>) { for await (const line of stream) { await write(line); } }' },
    { name: 'await in the loop head, not the body', code: 'async function f() { for (const x of await list()) { use(x); } }' },
    { name: 'await inside a function in the loop', code: 'function f(xs: string[]) { for (const x of xs) { queue.push(async () => await run(x)); } }' },
    {
      name: 'waiting for a free slot with Promise.race: the work runs at the same time, bounded',
      code: 'async function f(xs: string[]) { const running = new Set<Promise<void>>(); for (const x of xs) { if (running.size >= 4) await Promise.race(running); const p = run(x).finally(() => running.delete(p)); running.add(p); } await Promise.all(running); }',
    },
    {
      name: 'waiting for a free slot among a Map of downloads in flight (Promise.race(inFlight.values()))',
      code: 'async function f(xs: string[]) { const inFlight = new Map<number, Promise<void>>(); for (const [i, x] of xs.entries()) { if (inFlight.size >= 4) await Promise.race(inFlight.values()); inFlight.set(i, run(x).finally(() => inFlight.delete(i))); } }',
    },
  ],
  invalid: [
    {
      name: 'push of awaited independent calls',
      code: 'async function f(files: string[]) { const texts = []; for (const f of files) { texts.push(await read(f)); } return texts; }',
      errors: [{ messageId: 'sequential' }],
    },
    {
      name: 'an indexed for loop; the counter is the loop\'s own',
      code: 'async function f(xs: string[]) { const out: string[] = []; for (let i = 0; i < xs.length; i++) { out[i] = await load(xs[i]!); } return out; }',
      errors: [{ messageId: 'sequential' }],
    },
    {
      name: 'reported once per loop, at the first await',
      code: 'async function f(xs: string[]) {\n  for (const x of xs) {\n    const a = await load(x);\n    await save(a);\n  }\n}',
      errors: [{ messageId: 'sequential', line: 3 }],
    },
    {
      name: 'a race of the pass\'s own promises (a timeout) is still one pass after another',
      code: 'async function f(xs: string[]) { const out = []; for (const x of xs) { out.push(await Promise.race([timeout(), run(x)])); } return out; }',
      errors: [{ messageId: 'sequential' }],
    },
    {
      name: 'Promise.any over what the pass itself starts is still one pass after another',
      code: 'async function f(groups: string[][]) { for (const g of groups) { use(await Promise.any(g.map((u) => get(u)))); } }',
      errors: [{ messageId: 'sequential' }],
    },
    {
      name: 'a Promise.race does not hide another await of the same loop',
      code: 'async function f(xs: string[]) { const running = new Set<Promise<void>>(); for (const x of xs) { await Promise.race(running); await save(x); } }',
      errors: [{ messageId: 'sequential' }],
    },
    {
      name: 'a break inside an inner switch does not end the loop',
      code: 'async function f(xs: string[]) { for (const x of xs) { switch (x) { case "a": break; } await save(x); } }',
      errors: [{ messageId: 'sequential' }],
    },
  ],
});
