import { parseArgs } from 'node:util';

import { findKata, listKatas } from '../../kata/catalog';
import type { Command } from '../command';
import { fail, ok, say } from '../output';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'For kata authors: prove katas keep their contract (starter red as declared, reference green, wrong refactorings caught).',
  usage: 'Usage: npx kata verify [kata...] [--json]\n\n  With no kata, verifies them all.',
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' } } });
    // Lazy: the verifier loads ESLint and TypeScript, which the other verbs should not pay.
    const { verifyKata } = require('../../verify/verify-kata') as typeof import('../../verify/verify-kata');
    const katas = positionals.length > 0 ? positionals.map((n) => findKata(n)) : listKatas();
    let problems = 0;
    const reports = [];
    for (const kata of katas) {
      const report = await verifyKata(kata);
      reports.push(report);
      for (const check of report.checks) {
        problems += check.problems.length;
        if (values.json) continue;
        say(check.problems.length === 0 ? ok(`${kata.name}: ${check.subject}`) : fail(`${kata.name}: ${check.subject}`));
        for (const p of check.problems) say(`    ${p}`);
      }
    }
    if (values.json) say(JSON.stringify(reports, null, 2));
    return problems === 0 ? 0 : 1;
  },
};
