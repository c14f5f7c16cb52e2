import { parseArgs } from 'node:util';

import { findKata, listKatas } from '../../kata/catalog';
import { loadKata } from '../../kata/metadata';
import { CLAIM_KINDS, type ClaimKind } from '../../verify/claim-kinds';
import { type Command, UsageError } from '../command';
import { fail, note, ok, say } from '../output';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'For kata authors: prove katas keep their contract (starter red as declared, reference green, wrong refactorings caught).',
  usage:
    'Usage: npx kata verify [kata...] [--json] [--repeat N] [--only KIND,...] [--update]\n\n' +
    '  With no kata, verifies them all.\n' +
    '  --update     write starterFailures in kata.json from a real run of the starter, and propose caughtBy\n' +
    '               additions (tests that also fail for a wrong refactoring); then verify\n' +
    '  --repeat N   run every wrong and alternative refactoring and step snapshot N times: each must get the same verdict every time\n' +
    '  --only KIND  only these claims: format, structure, starter, solution, step, wrong, alternative',
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, repeat: { type: 'string' }, only: { type: 'string' }, update: { type: 'boolean' } } });
    const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
    if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat takes a whole number of runs, 1 or more (got "${values.repeat}"): for example --repeat 10.`);
    const only = values.only?.split(',').map((k) => k.trim()) as ClaimKind[] | undefined;
    const unknown = only?.filter((k) => !CLAIM_KINDS.includes(k));
    if (unknown?.length) throw new UsageError(`--only does not know ${unknown.map((k) => `"${k}"`).join(', ')}: use ${CLAIM_KINDS.join(', ')}.`);
    // Lazy: the verifier loads ESLint and TypeScript, which the other verbs should not pay.
    const { verifyKata } = require('../../verify/verify-kata') as typeof import('../../verify/verify-kata');
    const katas = positionals.length > 0 ? positionals.map((n) => findKata(n)) : listKatas();
    let problems = 0;
    const reports = [];
    for (let kata of katas) {
      if (values.update) {
        const { updateTestLists } = require('../../verify/verify-kata') as typeof import('../../verify/verify-kata');
        const update = await updateTestLists(kata);
        say(`${kata.name}: starterFailures written from a run of the starter (${update.added.length} added, ${update.removed.length} removed).`);
        for (const t of update.added) say(`    + ${t}`);
        for (const t of update.removed) say(`    - ${t}`);
        for (const p of update.proposals) {
          say(`  ${p.dir}: these tests fail for it too; add to its caughtBy any that catch this mistake on purpose:`);
          for (const t of p.alsoFailing) say(`    ${t}`);
        }
        kata = loadKata(kata.dir);
      }
      const report = await verifyKata(kata, { repeat, ...(only ? { only } : {}) });
      reports.push(report);
      for (const claim of report.claims) {
        problems += claim.problems.length;
        if (values.json) continue;
        say(claim.problems.length === 0 ? ok(`${kata.name}: ${claim.subject}`) : fail(`${kata.name}: ${claim.subject}`));
        for (const p of claim.problems) say(`    ${p}`);
      }
      if (!values.json) {
        const slowest = [...report.claims].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0))[0];
        say(note(`${kata.name}: ${report.claims.length} claim${report.claims.length === 1 ? '' : 's'} in ${report.seconds} s${slowest?.ms ? `; the slowest, ${(slowest.ms / 1000).toFixed(1)} s: ${slowest.subject}` : ''}`));
      }
    }
    if (values.json) say(JSON.stringify(reports, null, 2));
    return problems === 0 ? 0 : 1;
  },
};
