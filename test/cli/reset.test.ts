// `kata reset`, run for real: restores the starter as git has it, keeping the learner's work in
// a backup folder it names; and says clearly when there is no starter to restore from.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { KATA, makeSandbox, type Sandbox, SECOND_KATA } from './sandbox';

describe('kata reset', function () {
  this.timeout(300_000);
  let box: Sandbox;
  before(() => {
    box = makeSandbox();
  });
  after(() => box.remove());
  afterEach(() => box.restore());

  const src = (kata: string) => box.file(kata, 'src', 'config-loader.ts');
  const committed = (kata: string, ...rel: string[]) => box.git(['show', `HEAD:katas/${kata}/${rel.join('/')}`]);
  const backupNamed = (stdout: string, kata: string) => {
    const match = new RegExp(`Your previous work is in (\\S*${kata}[\\\\/])`).exec(stdout);
    expect(match, stdout).to.not.equal(null);
    return path.resolve(box.root, match![1]!);
  };

  it('restores src/ and test/mine/ to the committed starter and keeps the learner\'s files in the backup folder it names', async () => {
    fs.writeFileSync(src(KATA), '// my refactoring, half done\n');
    fs.writeFileSync(box.file(KATA, 'test', 'mine', 'extra.test.ts'), '// my own test\n');
    await box.kata(['hint', KATA, '--step', 'pin']); // some progress to forget

    const run = await box.kata(['reset', KATA]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/restored 2 files to the starter \(git [0-9a-f]+\): src\/config-loader\.ts, test\/mine\/extra\.test\.ts/);
    expect(fs.readFileSync(src(KATA), 'utf8')).to.equal(committed(KATA, 'src', 'config-loader.ts'));
    expect(fs.existsSync(box.file(KATA, 'test', 'mine', 'extra.test.ts'))).to.equal(false);
    expect(box.git(['status', '--porcelain', '--', 'katas'])).to.equal('');

    const backup = backupNamed(run.stdout, KATA);
    expect(path.relative(box.root, backup)).to.match(/^\.kata-backups[\\/]\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(-\d+)?[\\/]config-loader$/);
    expect(fs.readFileSync(path.join(backup, 'src', 'config-loader.ts'), 'utf8')).to.equal('// my refactoring, half done\n');
    expect(fs.readFileSync(path.join(backup, 'test', 'mine', 'extra.test.ts'), 'utf8')).to.equal('// my own test\n');
    expect(fs.readFileSync(path.join(backup, 'test', 'mine', 'characterization.test.ts'), 'utf8')).to.equal(committed(KATA, 'test', 'mine', 'characterization.test.ts'));

    const list = JSON.parse((await box.kata(['list', '--json'])).stdout);
    expect(list[0].status.state).to.equal('not started');
    expect(JSON.parse(fs.readFileSync(path.join(box.root, '.kata-progress.json'), 'utf8')).katas).to.not.have.property(KATA);
  });

  it('a kata that is the starter already is left alone, with no backup', async () => {
    const run = await box.kata(['reset', KATA]);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include(`${KATA} is already the starter`);
    expect(fs.existsSync(path.join(box.root, '.kata-backups'))).to.equal(false);
  });

  it('--all restores every changed kata into one backup folder, and leaves the others alone', async () => {
    fs.writeFileSync(src(KATA), '// one\n');
    fs.rmSync(src(SECOND_KATA));
    const lost = await box.kata(['test', SECOND_KATA]);
    expect(lost.code).to.equal(1);
    expect(lost.stderr).to.include(`Deleted by accident? npx kata reset ${SECOND_KATA} restores the kata's starter`);
    const run = await box.kata(['reset', '--all']);
    expect(run.code, run.stderr).to.equal(0);
    const first = backupNamed(run.stdout, KATA);
    const second = backupNamed(run.stdout, SECOND_KATA);
    expect(path.dirname(first)).to.equal(path.dirname(second));
    expect(fs.readFileSync(path.join(first, 'src', 'config-loader.ts'), 'utf8')).to.equal('// one\n');
    expect(fs.existsSync(path.join(second, 'src', 'config-loader.ts'))).to.equal(false);
    expect(fs.readFileSync(src(SECOND_KATA), 'utf8')).to.equal(committed(SECOND_KATA, 'src', 'config-loader.ts'));
    expect(box.git(['status', '--porcelain', '--', 'katas'])).to.equal('');
  });

  it('without a kata or --all it is a usage error', async () => {
    const run = await box.kata(['reset']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('name the kata to reset, or give --all').and.include('Usage: npx kata reset');
  });

  it('in a copy that is not a git checkout (a zip download) it says there is no starter to restore from, and changes nothing', async () => {
    const zip = makeSandbox({ git: false });
    try {
      const file = zip.file(KATA, 'src', 'config-loader.ts');
      fs.writeFileSync(file, '// my work\n');
      const run = await zip.kata(['reset', KATA]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include('is not in a git checkout (was the library downloaded as a zip?)').and.include('Nothing was changed.');
      expect(run.stderr).not.to.match(/^\s+at /m);
      expect(fs.readFileSync(file, 'utf8')).to.equal('// my work\n');
      expect(fs.existsSync(path.join(zip.root, '.kata-backups'))).to.equal(false);
    } finally {
      zip.remove();
    }
  });
});
