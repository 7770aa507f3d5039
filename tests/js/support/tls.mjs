// The certificate the HTTPS mock portal serves in tests. The official SDK
// refuses plain HTTP and trusts extra CAs only through NODE_EXTRA_CA_CERTS,
// which Node reads at start: so the test command makes the certificate before
// the test processes start, and tests that need TLS serve that one.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificate } from '../../../pkg-template/mock-portal/index.mjs';

const CERT = 'cert.pem';
const KEY = 'key.pem';

/** Writes a fresh certificate and key into `directory`; answers the certificate's path. */
export async function writeTestCertificate(directory) {
  const { cert, key } = await createCertificate();
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, CERT), cert);
  await writeFile(join(directory, KEY), key, { mode: 0o600 });
  return join(directory, CERT);
}

/**
 * The certificate this test process trusts, for `startMockPortal({ https: true, certificate })`.
 * Fails with a pointer to the test command when the process was not started by it.
 */
export async function trustedCertificate() {
  const directory = process.env.B24_TEST_TLS_DIR;
  if (!directory || process.env.NODE_EXTRA_CA_CERTS !== join(directory, CERT)) {
    throw new Error(
      'TLS tests need the certificate made by the test command: run `npm test`, or `bash scripts/test-js.sh FILE`.',
    );
  }
  const [cert, key] = await Promise.all([readFile(join(directory, CERT), 'utf8'), readFile(join(directory, KEY), 'utf8')]);
  return { cert, key };
}

// `node tests/js/support/tls.mjs DIRECTORY` writes the certificate and prints its path.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await writeTestCertificate(process.argv[2]));
}
