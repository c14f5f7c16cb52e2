// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { callLegacy, useTempDir } from '../../../../src/harness';
import { DEFAULTS, loadConfig } from '../../src/config-loader';

describe('pinned: NODE_ENV overrides', () => {
  const tmp = useTempDir();
  const load = () => callLegacy('loadConfig(app.json)', (cb) => loadConfig(tmp.file('app.json'), cb));
  const saved = process.env.NODE_ENV;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  });

  it('with NODE_ENV set, app.<env>.json goes on top of app.json', async () => {
    process.env.NODE_ENV = 'production';
    await tmp.write({ 'app.json': JSON.stringify({ port: 1, host: 'dev' }), 'app.production.json': JSON.stringify({ host: 'prod' }) });
    expect(await load()).to.deep.equal({ ...DEFAULTS, port: 1, host: 'prod' });
  });

  it('with NODE_ENV set and no file for it, app.json is used as it is', async () => {
    process.env.NODE_ENV = 'staging';
    await tmp.write({ 'app.json': JSON.stringify({ port: 1 }) });
    expect(await load()).to.deep.equal({ ...DEFAULTS, port: 1 });
  });

  it('an environment file that extends a missing file is an error naming that file, not ignored', async () => {
    process.env.NODE_ENV = 'production';
    await tmp.write({ 'app.json': '{}', 'app.production.json': JSON.stringify({ extends: 'secrets.json', host: 'prod' }) });
    const err = await load().then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(err).to.have.property('code', 'ENOENT');
    expect(err?.message).to.include('secrets.json');
  });

  it('an environment file that cannot be read is an error, not ignored', async () => {
    process.env.NODE_ENV = 'production';
    await tmp.write({ 'app.json': '{}', 'app.production.json': {} });
    const err = await load().then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(err).to.have.property('code', 'EISDIR');
  });
});
