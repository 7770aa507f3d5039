// Builds the publishable package into pkg/: wasm-pack compiles the Rust core
// for the web target once, esbuild derives a CommonJS copy of its glue for
// Node's require, and pkg-template/ supplies the entries, types and metadata.
// A build whose inputs have not changed since the last one is skipped.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { shortenImportNames } from './import-names.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const staging = join(root, 'target', 'wasm-pack');
const stampFile = join(pkg, '.build-stamp');
const inputs = ['Cargo.toml', 'Cargo.lock', 'src', 'pkg-template', 'README.md', 'scripts/build.mjs', 'scripts/import-names.mjs'];

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => filesUnder(join(path, name)));
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((input) => filesUnder(join(root, input)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const stamp = inputsHash();
if (!process.argv.includes('--force') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log('build: pkg/ is up to date');
  process.exit(0);
}

// wasm-pack runs wasm-opt from PATH: the binaryen npm package provides it.
const path = join(root, 'node_modules', '.bin') + delimiter + process.env.PATH;

// The crate gives two modules: the entry module (feature `single`) and the
// bulk module `bindTimelineMany` loads on first use (feature `bulk`).
const modules = [
  { name: 'b24_timeline', cargoArgs: [] },
  { name: 'b24_bulk', cargoArgs: ['--no-default-features', '--features', 'bulk'] },
];
const wasmPack = (name) => ['build', '.', '--release', '--target', 'web', '--out-dir', staging, '--out-name', name, '--no-pack'];

// The shipped modules are built with the standard library recompiled so that
// a panic aborts on the spot: std's panic handler otherwise drags string
// formatting into every build, about 3.5 KB of what an app ships.
// Those cargo and rustc flags are nightly-only; the pinned stable toolchain
// accepts them under RUSTC_BOOTSTRAP=1 (no nightly toolchain can be installed
// where this builds), and they need the rust-src component, which setup.sh
// adds. Without it, or if the flags stop working, the build falls back to
// plain std and says so; the size test then reports the larger payload.
const lean = {
  RUSTC_BOOTSTRAP: '1',
  RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none',
  CARGO_TARGET_DIR: join(root, 'target', 'wasm-lean'),
};
const sysroot = execFileSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).trim();
const hasRustSource = existsSync(join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library', 'std'));
if (!hasRustSource) {
  console.warn('build: rust-src is missing (bash scripts/setup.sh adds it); building with the plain standard library');
}
for (const { name, cargoArgs } of modules) {
  let built = false;
  if (hasRustSource) {
    try {
      execFileSync('wasm-pack', [...wasmPack(name), '--', '-Zbuild-std=std,panic_abort', ...cargoArgs], {
        cwd: root,
        env: { ...process.env, ...lean, PATH: path },
        stdio: 'inherit',
      });
      built = true;
    } catch {
      console.warn(`build: the lean std build of ${name} failed; building with the plain standard library`);
    }
  }
  if (!built) {
    execFileSync('wasm-pack', [...wasmPack(name), ...(cargoArgs.length ? ['--', ...cargoArgs] : [])], {
      cwd: root,
      env: { ...process.env, PATH: path },
      stdio: 'inherit',
    });
  }
}

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
for (const name of ['b24_timeline.js', 'b24_timeline.d.ts', 'b24_timeline_bg.wasm', 'b24_bulk.js', 'b24_bulk_bg.wasm', 'snippets']) {
  cpSync(join(staging, name), join(pkg, name), { recursive: true });
}
cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
cpSync(join(root, 'README.md'), join(pkg, 'README.md'));

for (const { name } of modules) {
  const wasmFile = join(pkg, `${name}_bg.wasm`);
  const glueFile = join(pkg, `${name}.js`);
  const { wasm, glue } = shortenImportNames(readFileSync(wasmFile), readFileSync(glueFile, 'utf8'));
  writeFileSync(wasmFile, wasm);
  writeFileSync(glueFile, glue);
}

// Node's require cannot load ES modules on every Node 20, so the glue also
// ships as CommonJS. Only its synchronous initSync is used there, which never
// touches import.meta; the bulk runner is shared by both module systems.
const commonJs = [
  ['b24_timeline.js', 'b24_timeline.cjs'],
  ['b24_bulk.js', 'b24_bulk.cjs'],
  ['bulk/run.js', 'bulk/run.cjs'],
];
for (const [from, to] of commonJs) {
  buildSync({
    entryPoints: [join(pkg, from)],
    outfile: join(pkg, to),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    logLevel: 'error',
    logOverride: { 'empty-import-meta': 'silent' },
  });
}

// TypeScript reads a .d.ts inside a "type": "module" package as an ES module;
// require() users get .d.cts twins that point at the CommonJS glue.
cpSync(join(pkg, 'b24_timeline.d.ts'), join(pkg, 'b24_timeline.d.cts'));
const entryTypes = readFileSync(join(pkg, 'index.d.ts'), 'utf8');
writeFileSync(join(pkg, 'index.d.cts'), entryTypes.replaceAll("'./b24_timeline.js'", "'./b24_timeline.cjs'"));

const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const manifestPath = join(pkg, 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
writeFileSync(manifestPath, JSON.stringify({ ...manifest, version }, null, 2) + '\n');
writeFileSync(stampFile, stamp);

const wasmBytes = statSync(join(pkg, 'b24_timeline_bg.wasm')).size;
console.log(`build: pkg/ ready (b24-timeline ${version}, ${wasmBytes} bytes of wasm)`);
