// Certificates for the TLS tests, made with openssl in a temp dir: a CA, a server certificate for 127.0.0.1 and
// localhost, a client certificate signed by the CA, another CA (the "wrong CA"), a client certificate of that other
// CA, and an expired client certificate.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
  /** A client certificate signed by otherCa (the server does not trust it). */
  foreignClientCert: string;
  foreignClientKey: string;
  /** Signed by ca, with clientKey, expired yesterday. */
  expiredClientCert: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function makeLeaf(dir: string, name: string, cn: string, ca: string, ext: string, days: number, key = `${name}.key`): void {
  if (!fs.existsSync(path.join(dir, key))) openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
  openssl(dir, ['req', '-new', '-key', key, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  // A negative -days makes a certificate that expired that many days ago (notAfter before notBefore).
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`]);
}

export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's360-tls-'));
  makeCa(dir, 'ca', 's360 test CA');
  makeCa(dir, 'other-ca', 's360 other CA');
  makeLeaf(dir, 'server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', 2);
  makeLeaf(dir, 'client', 's360-worker', 'ca', 'extendedKeyUsage=clientAuth\n', 2);
  makeLeaf(dir, 'foreign-client', 's360-intruder', 'other-ca', 'extendedKeyUsage=clientAuth\n', 2);
  makeLeaf(dir, 'expired-client', 's360-worker', 'ca', 'extendedKeyUsage=clientAuth\n', -1, 'client.key');
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    caKey: p('ca.key'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    otherCa: p('other-ca.pem'),
    foreignClientCert: p('foreign-client.pem'),
    foreignClientKey: p('foreign-client.key'),
    expiredClientCert: p('expired-client.pem'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
