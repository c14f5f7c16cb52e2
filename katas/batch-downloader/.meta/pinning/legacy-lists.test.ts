// Step 1's answer: legacy behaviour the kata's own tests leave unpinned, and that the refactoring
// must keep. Runs against the reference.
import { expect } from 'chai';

import { drive, startDownload, summary, useStore } from '../../test/support/store';

describe('pinned: legacy behaviour the kata\'s tests leave out', () => {
  const store = useStore();

  it('the same URL twice in the list is downloaded twice, with a result for each', async () => {
    const [url] = store.serve({ 'twice.txt': 'again' });
    const run = startDownload('callback', [url!, url!], { concurrency: 2 });
    const settled = await drive(run, store.gate);
    if (!settled.ok) throw settled.error;
    expect(summary(settled.value)).to.deep.equal([{ url, ok: true, body: 'again' }, { url, ok: true, body: 'again' }]);
    expect(store.gate.arrived).to.equal(2);
  });

  it('a URL is requested as given, query string included', async () => {
    const [url] = store.serve({ 'report.csv': 'a,b' });
    const run = startDownload('callback', [`${url!}?day=2026-12-04`], { concurrency: 1 });
    const settled = await drive(run, store.gate);
    if (!settled.ok) throw settled.error;
    expect(store.server.requests.map((r) => r.path)).to.deep.equal(['/files/report.csv?day=2026-12-04']);
  });

  it('concurrency 1 downloads one file at a time', async () => {
    const urls = store.serve({ 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' });
    const run = startDownload('callback', urls, { concurrency: 1 });
    await store.gate.expectConcurrencyLimit(1, 3, run.label);
    const settled = await drive(run, store.gate);
    expect(settled.ok).to.equal(true);
  });

  it('a file that moved (a 301 or 302 with Location) is downloaded from its new place, under the URL of the list', async () => {
    const urls = store.serve({ 'old.pdf': { status: 301, headers: { location: '/files/archive/old.pdf' } }, 'archive/old.pdf': 'PDF', 'renamed.txt': { status: 302, headers: { location: '/files/archive/old.pdf' } } });
    const run = startDownload('callback', [urls[0]!, urls[2]!], { concurrency: 2 });
    const settled = await drive(run, store.gate);
    if (!settled.ok) throw settled.error;
    expect(summary(settled.value)).to.deep.equal([{ url: urls[0], ok: true, body: 'PDF' }, { url: urls[2], ok: true, body: 'PDF' }]);
  });
});
