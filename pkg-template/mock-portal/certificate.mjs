// The self-signed certificate the HTTPS server presents, made fresh at every start.

/**
 * Resolves with `{ key, cert }` PEMs valid for `127.0.0.1` and `localhost`. The certificate
 * signs itself, so trusting it (`NODE_EXTRA_CA_CERTS`, or a client's `ca` option) is enough.
 * Rejects when the optional `selfsigned` package is not installed.
 */
export async function createCertificate() {
  let selfsigned;
  try {
    selfsigned = await import('selfsigned');
  } catch (error) {
    throw new Error(
      'The mock portal needs the selfsigned package for HTTPS: run `npm install selfsigned`.',
      { cause: error },
    );
  }
  const generate = selfsigned.generate ?? selfsigned.default.generate;

  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    // EC keys are generated in milliseconds, where RSA keys slow down every test start.
    keyType: 'ec',
    algorithm: 'sha256',
    // A day of slack, so a client whose clock runs behind still accepts it.
    notBeforeDate: new Date(Date.now() - 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
