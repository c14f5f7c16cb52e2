/**
 * The dojo's run journal and the retrospective report, on real files.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';

import { entryFor, Journal, lightOf, type RunEntry } from '../../src/dojo/journal';
import { renderReport } from '../../src/dojo/report';
import type { RunSummary } from '../../src/learner/verdict';
import { useTempDir } from '../../src/harness/temp-dir';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 3, 9, minute)).toISOString();
const run = (minute: number, light: RunEntry['light'], step: number | undefined, depth: number, passed = 10): RunEntry => ({
  at: at(minute),
  light,
  passed,
  total: 20,
  ...(step ? { step, stepTitle: `step ${step}` } : {}),
  depth,
});

describe('dojo journal and retrospective', () => {
  const tmp = useTempDir();

  it('appends one line per run and reads them back in order; a torn line is skipped, not fatal', () => {
    const journal = new Journal(tmp.path, 'team-ada', 'config-loader');
    journal.append(run(0, 'red', 1, 4));
    journal.append(run(3, 'green', 2, 4));
    fs.appendFileSync(journal.file, '{"at": "2026-12-03T09:0');
    expect(journal.read().map((e) => e.light)).to.deep.equal(['red', 'green']);
    expect(journal.file).to.equal(tmp.file('team-ada', 'config-loader.jsonl'));
  });

  it('a run entry is checked before it is written', () => {
    const journal = new Journal(tmp.path, 'team-ada', 'config-loader');
    expect(() => journal.append({ ...run(0, 'red', 1, 4), passed: -1 })).to.throw();
    expect(journal.read()).to.deep.equal([]);
  });

  it('lights: green when every test passes, red when some fail, amber when the tests did not run', () => {
    const base = { green: false, total: 20 } as Pick<RunSummary, 'crash' | 'timedOut' | 'green' | 'total'>;
    expect(lightOf({ ...base, green: true })).to.equal('green');
    expect(lightOf(base)).to.equal('red');
    expect(lightOf({ ...base, crash: { message: 'SyntaxError', text: 'x' } })).to.equal('amber');
    expect(lightOf({ ...base, timedOut: { seconds: 60 } })).to.equal('amber');
    const entry = entryFor({ kata: 'k', passed: 3, failed: 1, pending: 0, total: 4, green: false, currentStep: { number: 2, id: 'p', title: 'Promise API', hints: 2, hintsShown: 0 } }, { now: new Date(at(5)), depth: 2 });
    expect(entry).to.deep.equal({ at: at(5), light: 'red', passed: 3, total: 4, step: 2, stepTitle: 'Promise API', depth: 2 });
  });

  it('the report: the rhythm as lights, the time to each step, and the pyramid as it flattened', () => {
    const entries = [run(0, 'red', 1, 4), run(2, 'amber', 1, 4), run(4, 'red', 2, 4), run(9, 'red', 3, 3), run(15, 'red', 4, 1), run(20, 'green', undefined, 1, 20)];
    const text = renderReport({ team: 'team-ada', kata: 'config-loader', steps: ['Pin', 'Promise API', 'Defects', 'Shim'] }, entries);
    expect(text).to.include('# Dojo retrospective: team-ada, config-loader');
    expect(text).to.include('6 runs over 20 min: 1 green, 4 red, 1 amber (did not run).');
    expect(text).to.include('🟥🟨🟥🟥🟥🟩');
    expect(text).to.include('| 1. Pin | 0 min, finished after 4 min | 20 min |');
    expect(text).to.include('| 2. Promise API | 4 min, finished after 9 min |  |');
    expect(text).to.include('| 4. Shim | 15 min, finished after 20 min |  |');
    expect(text).to.include('Deepest callback nesting, as it changed: 4 → 3 → 1.');
    expect(renderReport({ team: 't', kata: 'k', steps: [] }, [])).to.include('No test run was recorded.');
  });
});
