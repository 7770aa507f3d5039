// Throwaway consumer projects: a directory under tests/.tmp/ whose
// node_modules/b24-timeline links to pkg/, so code inside it resolves the
// package by its name through the real `exports` map, as an app would.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built package, as `node scripts/build.mjs` leaves it. */
export const PACKAGE_DIRECTORY = join(ROOT, 'pkg');

const SCRATCH_DIRECTORY = join(ROOT, 'tests', '.tmp');

/** esbuild options that bundle a consumer's `app.mjs` as a browser app ships it. */
export const BROWSER_BUNDLE = {
  entryPoints: ['app.mjs'],
  outfile: 'dist/app.js',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  bundle: true,
  minify: true,
  logLevel: 'silent',
};

/**
 * Creates a consumer project named after `name` with the given files (paths
 * relative to the project, contents as strings) and answers
 * `{ directory, remove }`. Fails when pkg/ has not been built.
 */
export async function createConsumer(name, files = {}) {
  if (!existsSync(join(PACKAGE_DIRECTORY, 'package.json'))) {
    throw new Error('pkg/ is not built: run `node scripts/build.mjs` first');
  }

  await mkdir(SCRATCH_DIRECTORY, { recursive: true });
  const directory = await mkdtemp(join(SCRATCH_DIRECTORY, `${name}-`));
  const remove = () => rm(directory, { recursive: true, force: true });

  try {
    const manifest = { name: `consumer-${name}`, private: true, type: 'module' };
    await writeFile(join(directory, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

    // A relative link keeps the project valid wherever the checkout lives.
    const link = join(directory, 'node_modules', 'b24-timeline');
    await mkdir(dirname(link), { recursive: true });
    await symlink(relative(dirname(link), PACKAGE_DIRECTORY), link, 'dir');

    for (const [path, contents] of Object.entries(files)) {
      await mkdir(dirname(join(directory, path)), { recursive: true });
      await writeFile(join(directory, path), contents);
    }
  } catch (error) {
    await remove();
    throw error;
  }

  return { directory, remove };
}
