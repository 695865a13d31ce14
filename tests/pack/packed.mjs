// The npm tarball the tests/pack suites install, as a user gets it. scripts/test.sh packs it once and passes it in
// $IMAGEGATE_TARBALL; run alone, a suite packs its own.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = (name) => path.join(root, 'node_modules/.bin', name);

/** The tarball's path: $IMAGEGATE_TARBALL when it exists, else `npm pack` of wasm/ into `dir`. */
export function tarball(dir) {
  const given = process.env.IMAGEGATE_TARBALL;
  if (given && existsSync(given)) return given;
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir, path.join(root, 'wasm')], { encoding: 'utf8' });
  return path.join(dir, JSON.parse(out)[0].filename);
}

/** A fresh project in `dir` with the tarball installed (offline: it has no dependencies). */
export function project(dir, tgz, pkg = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), private: true, type: 'module', ...pkg }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', tgz], { cwd: dir, stdio: 'pipe' });
  return dir;
}
