// Entry of `npm run bench`: makes the mock portal's certificate, then runs the
// measurements in a child process that trusts it from its start.
//
// The official SDK refuses plain HTTP, and Node reads NODE_EXTRA_CA_CERTS only
// when a process starts; so the certificate has to exist before the measuring
// process does, and it is handed over through the environment.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTestCertificate } from '../tests/js/support/tls.mjs';

const measureScript = fileURLToPath(new URL('./measure.mjs', import.meta.url));

const tlsDirectory = await mkdtemp(join(tmpdir(), 'b24-bench-tls-'));
try {
  const certificatePath = await writeTestCertificate(tlsDirectory);
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: certificatePath, B24_TEST_TLS_DIR: tlsDirectory };
  process.exitCode = await runChild(measureScript, env);
} finally {
  await rm(tlsDirectory, { recursive: true, force: true });
}

/** Runs `script` with Node, its output passed through; answers its exit code. */
function runChild(script, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { env, stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`bench: could not start the measuring process (${error.code ?? error.message})`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}
