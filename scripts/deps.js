#!/usr/bin/env node
// What `npm ci` installs, as figures: the installed tree's size on disk, how many packages it
// holds, and every package that runs a script at install, with what that script runs. These
// machines reach only the npm registry and a dojo must work offline after `npm ci`, so no install
// script may download anything: each one is reviewed and named, with a reason, in
// scripts/install-scripts-allowed.json. test/deps.test.ts fails on any that is not, and on any
// entry there that no longer applies.
//
// A package has an install script, as npm decides it (docs: npm-scripts, npm-rebuild):
// - its package.json has scripts.preinstall, scripts.install or scripts.postinstall;
// - or it has a binding.gyp and neither an install nor a preinstall script, and does not say
//   "gypfile": false: then npm runs `node-gyp rebuild`, which compiles (and may download headers);
// - the root and the workspaces also run their `prepare` at install.
// package-lock.json (v2/v3) records the same fact per package as `hasInstallScript`, the cheap
// signal npm itself uses on `npm ci`; it is checked here against each package's own package.json.
//
// Usage: npm run deps [-- --json]
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.join(__dirname, '..');
const ALLOW_LIST = path.join(__dirname, 'install-scripts-allowed.json');
const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall'];
const FIX = 'review what it runs (it must not download anything), then add it to scripts/install-scripts-allowed.json with a one-line reason, or drop the dependency';

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The scripts npm runs for the package in `dir` at install, as { hook: command }. */
function installScriptsOf(dir, pkg, { ownProject = false } = {}) {
  const scripts = pkg.scripts ?? {};
  const found = {};
  for (const hook of INSTALL_HOOKS) if (typeof scripts[hook] === 'string' && scripts[hook]) found[hook] = scripts[hook];
  if (ownProject && typeof scripts.prepare === 'string' && scripts.prepare) found.prepare = scripts.prepare;
  if (!found.install && !found.preinstall && pkg.gypfile !== false && isFile(path.join(dir, 'binding.gyp'))) {
    found.install = 'node-gyp rebuild (npm\'s default for a package with a binding.gyp)';
  }
  return found;
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The package folders under a node_modules folder, nested ones included (not .bin, not .cache). */
function packageDirs(nodeModules) {
  const found = [];
  const visit = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const at = path.join(dir, e.name);
      if (e.name.startsWith('@') && e.isDirectory()) {
        visit(at);
        continue;
      }
      if (e.isSymbolicLink()) found.push({ dir: at, link: true });
      else if (e.isDirectory()) {
        found.push({ dir: at, link: false });
        visit(path.join(at, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return found;
}

/**
 * The installed tree under `root`, read from package-lock.json and node_modules: every package on
 * disk with its install scripts, the lockfile's `hasInstallScript` for it, and where the two
 * disagree. Workspaces and the root are included (their install scripts run too).
 */
function readTree(root = ROOT) {
  const lock = readJson(path.join(root, 'package-lock.json'));
  const entries = lock.packages ?? {};
  const rootPkg = readJson(path.join(root, 'package.json'));
  const packages = [];

  const add = (key, dir, kind) => {
    let pkg;
    try {
      pkg = readJson(path.join(dir, 'package.json'));
    } catch {
      return;
    }
    const entry = entries[key];
    const scripts = installScriptsOf(dir, pkg, { ownProject: kind !== 'dependency' });
    packages.push({
      key,
      name: pkg.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: pkg.version ?? '',
      kind,
      inLockfile: entry !== undefined,
      lockHasInstallScript: entry?.hasInstallScript === true,
      scripts,
    });
  };

  add('', root, 'root');
  for (const [key, entry] of Object.entries(entries)) {
    if (key !== '' && !key.includes('node_modules/') && !entry.link) add(key, path.join(root, key), 'workspace');
  }
  const roots = ['node_modules', ...Object.keys(entries).filter((k) => k !== '' && !k.includes('node_modules/')).map((k) => `${k}/node_modules`)];
  const links = [];
  for (const nm of roots) {
    for (const { dir, link } of packageDirs(path.join(root, nm))) {
      const key = path.relative(root, dir).split(path.sep).join('/');
      if (link) links.push(key);
      else add(key, dir, 'dependency');
    }
  }

  const onDisk = new Set(packages.map((p) => p.key));
  const notInstalled = Object.entries(entries)
    .filter(([key, e]) => key.includes('node_modules/') && !e.link && !onDisk.has(key))
    .map(([key, e]) => ({ key, optional: e.optional === true }));
  return {
    root,
    lockfileVersion: lock.lockfileVersion,
    allowScriptsField: rootPkg.allowScripts,
    packages,
    links,
    notInstalled,
    lockfileEntriesWithInstallScript: Object.entries(entries).filter(([, e]) => e.hasInstallScript === true).map(([key]) => key),
  };
}

/** The packages that run a script at install. */
function withInstallScripts(tree) {
  return tree.packages.filter((p) => Object.keys(p.scripts).length > 0);
}

/**
 * Reads the allow list: { "allowed": { "<package name>": "<one-line reason>" } }. Throws with a
 * plain message when it is malformed.
 */
function readAllowList(file = ALLOW_LIST) {
  const json = readJson(file);
  if (!json || typeof json.allowed !== 'object' || json.allowed === null || Array.isArray(json.allowed)) {
    throw new Error(`${file}: expected { "allowed": { "<package>": "<one-line reason>" } }`);
  }
  return json.allowed;
}

/**
 * What is wrong, one line each, naming the package and the fix: an install script not on the
 * allow list; an allow-list entry without a one-line reason, or for a package that is no longer
 * installed or no longer has an install script; a lockfile that disagrees with a package.json.
 */
function problems(tree, allowed) {
  const out = [];
  const scripted = withInstallScripts(tree);
  for (const p of scripted) {
    if (Object.hasOwn(allowed, p.name)) continue;
    out.push(`${label(p)} (${p.key || 'the root package.json'}) runs at install: ${describe(p.scripts)}. It is not on the allow list: ${FIX}.`);
  }
  for (const [name, reason] of Object.entries(allowed)) {
    if (typeof reason !== 'string' || !reason.trim() || reason.includes('\n')) {
      out.push(`the allow list's entry for ${name} needs a one-line reason (a string): say what its install script does and why it needs no network.`);
    }
    if (scripted.some((p) => p.name === name)) continue;
    const installed = tree.packages.some((p) => p.name === name);
    out.push(
      installed
        ? `${name} is on the allow list but no longer has an install script: remove it from scripts/install-scripts-allowed.json.`
        : `${name} is on the allow list but is no longer installed: remove it from scripts/install-scripts-allowed.json.`,
    );
  }
  for (const p of tree.packages) {
    if (!p.inLockfile || p.kind === 'root') continue;
    const hasHook = INSTALL_HOOKS.some((h) => h in p.scripts);
    if (hasHook === p.lockHasInstallScript) continue;
    out.push(
      p.lockHasInstallScript
        ? `${label(p)}: package-lock.json says it has an install script (hasInstallScript) but its package.json has none: the lockfile and node_modules disagree; run npm ci, and if it persists, npm install to refresh the lockfile.`
        : `${label(p)}: its package.json runs ${describe(p.scripts)} at install but package-lock.json does not say hasInstallScript: the lockfile and node_modules disagree; run npm ci, and if it persists, npm install to refresh the lockfile.`,
    );
  }
  return out;
}

/** `name@version`, or the name alone for a workspace without a version. */
function label(p) {
  return p.version ? `${p.name}@${p.version}` : p.name;
}

function describe(scripts) {
  return Object.entries(scripts).map(([hook, cmd]) => `${hook}: ${cmd}`).join('; ');
}

/** Bytes on disk under `dir` (allocated blocks, as du counts them; a hard link once), skipping `skip`. */
function diskBytes(dir, skip = new Set()) {
  let total = 0;
  const seen = new Set();
  const visit = (at) => {
    const st = fs.lstatSync(at, { bigint: true });
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    total += Number(st.blocks) * 512;
    if (st.isDirectory()) for (const name of fs.readdirSync(at)) if (!skip.has(path.join(at, name))) visit(path.join(at, name));
  };
  visit(dir);
  return total;
}

/** What npm is configured to do with install scripts, asked of npm itself in `root`. */
function npmScriptPolicy(root = ROOT) {
  const get = (key) => {
    const r = spawnSync('npm', ['config', 'get', key], { cwd: root, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : `(npm config get ${key} failed: ${(r.stderr || '').trim().split('\n')[0]})`;
  };
  const version = spawnSync('npm', ['--version'], { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '?';
  return {
    npm: version,
    ignoreScripts: get('ignore-scripts'),
    strictAllowScripts: get('strict-allow-scripts'),
    dangerouslyAllowAllScripts: get('dangerously-allow-all-scripts'),
  };
}

/** Plain sentences on whether npm would run a dependency's install script here. */
function policyVerdict(policy, tree) {
  const lines = [];
  if (policy.ignoreScripts === 'true') {
    lines.push('ignore-scripts is true: npm runs no install script at all (and no lifecycle script of the root either).');
    return lines;
  }
  const major = Number(policy.npm.split('.')[0]);
  const hasPolicy = tree.allowScriptsField && typeof tree.allowScriptsField === 'object';
  if (major >= 12) {
    lines.push(`npm ${policy.npm} blocks dependencies' install scripts unless package.json's allowScripts allows them${hasPolicy ? '' : ' (package.json has no allowScripts field, so all are blocked)'}.`);
  } else if (policy.strictAllowScripts === 'true') {
    lines.push(`strict-allow-scripts is true: npm ${policy.npm} fails the install on an install script that package.json's allowScripts does not cover.`);
  } else {
    lines.push(
      `npm ${policy.npm} with ignore-scripts=false and strict-allow-scripts=false does not block install scripts: it runs them, and only warns about those ` +
        `package.json's allowScripts does not cover (${hasPolicy ? 'it has an allowScripts field' : 'it has no allowScripts field'}); npm 12 is the version that blocks them by default.`,
    );
  }
  if (policy.dangerouslyAllowAllScripts === 'true') lines.push('dangerously-allow-all-scripts is true: every install script runs, whatever allowScripts says.');
  return lines;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function main(argv) {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, root: { type: 'string' } } });
  const root = path.resolve(values.root ?? ROOT);
  const tree = readTree(root);
  const allowed = readAllowList(values.root ? path.join(root, 'scripts', 'install-scripts-allowed.json') : ALLOW_LIST);
  const nodeModules = path.join(root, 'node_modules');
  const cache = path.join(nodeModules, '.cache');
  const bytes = diskBytes(nodeModules, new Set([cache]));
  const cacheBytes = fs.existsSync(cache) ? diskBytes(cache) : 0;
  const deps = tree.packages.filter((p) => p.kind === 'dependency');
  const scripted = withInstallScripts(tree);
  const policy = npmScriptPolicy(root);
  const found = problems(tree, allowed);

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ bytes, cacheBytes, packages: deps.length, workspaces: tree.packages.filter((p) => p.kind === 'workspace').length, installScripts: scripted, policy, problems: found }, null, 2)}\n`);
    return found.length === 0 ? 0 : 1;
  }
  const optionalMissing = tree.notInstalled.filter((n) => n.optional).length;
  const otherMissing = tree.notInstalled.filter((n) => !n.optional);
  const say = (line = '') => process.stdout.write(`${line}\n`);
  say(`installed tree: ${mb(bytes)} on disk in node_modules (1 MB = 10^6 bytes, allocated blocks as du counts them), without node_modules/.cache`);
  say(`  node_modules/.cache, not installed by npm (the Node-line matrix's Node builds, the TypeScript compile cache): ${mb(cacheBytes)} more`);
  say(`packages: ${deps.length} installed, plus ${tree.links.length} workspace links (${tree.packages.filter((p) => p.kind === 'workspace').length} workspaces)`);
  say(`  package-lock.json (lockfileVersion ${tree.lockfileVersion}) lists ${optionalMissing} optional package(s) not installed here (other platforms)`);
  if (otherMissing.length > 0) say(`  and ${otherMissing.length} that should be installed but are not: ${otherMissing.map((n) => n.key).join(', ')} (run npm ci)`);
  const extraneous = deps.filter((p) => !p.inLockfile);
  if (extraneous.length > 0) say(`  ${extraneous.length} on disk but not in package-lock.json: ${extraneous.map((p) => p.key).join(', ')}`);
  say();
  say(`install scripts: ${scripted.length} package(s) run one (package-lock.json marks ${tree.lockfileEntriesWithInstallScript.length} with hasInstallScript)`);
  for (const p of scripted) {
    say(`  ${label(p)} (${p.key || 'root'}${p.kind === 'dependency' ? '' : `, the ${p.kind}`}): ${describe(p.scripts)}`);
    say(`    ${Object.hasOwn(allowed, p.name) ? `allowed: ${allowed[p.name]}` : 'NOT on the allow list'}`);
  }
  say();
  say(`npm ${policy.npm}: ignore-scripts=${policy.ignoreScripts}, strict-allow-scripts=${policy.strictAllowScripts}, dangerously-allow-all-scripts=${policy.dangerouslyAllowAllScripts}; package.json allowScripts: ${tree.allowScriptsField ? JSON.stringify(tree.allowScriptsField) : 'none'}`);
  for (const line of policyVerdict(policy, tree)) say(`  ${line}`);
  say();
  if (found.length === 0) say(`deps: every install script is on the allow list (${Object.keys(allowed).length} entries), and every entry still applies`);
  else {
    say(`deps: ${found.length} problem(s):`);
    for (const p of found) say(`  - ${p}`);
  }
  return found.length === 0 ? 0 : 1;
}

module.exports = { readTree, withInstallScripts, readAllowList, problems, installScriptsOf, diskBytes, ALLOW_LIST, FIX };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`deps: ${err.message}\n`);
    process.exitCode = 2;
  }
}
