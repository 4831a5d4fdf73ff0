// Certificates for a simulated API server: a throw-away CA and a serving certificate for
// 127.0.0.1/localhost signed by it. Keys come from Node's crypto (native, fast); node-forge
// only assembles and signs the X.509 structures, which Node cannot do by itself.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface CertificateAuthority {
  /** PEM of the CA certificate: what a kubeconfig's certificate-authority-data holds. */
  certPem: string;
  keyPem: string;
}

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
}

function rsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Positive serial (the high bit cleared), as X.509 verifiers such as Go's require. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, years: number): void {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // tolerate small clock skews
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + years);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
}

/** A new self-signed CA, `commonName` naming it in certificate dumps (e.g. `gitset-sim civo/cluster1`). */
export function createCertificateAuthority(commonName: string): CertificateAuthority {
  const keys = rsaKeyPair();
  const privateKey = forge.pki.privateKeyFromPem(keys.privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serialNumber();
  validity(cert, 10);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** A serving certificate for the loopback address, valid for `127.0.0.1`, `::1` and `localhost`. */
export function issueServingCertificate(ca: CertificateAuthority): ServingCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serialNumber();
  validity(cert, 5);
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}
