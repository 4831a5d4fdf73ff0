// Certificates for a simulated API server: a throw-away CA and a serving certificate for
// 127.0.0.1/localhost signed by it. Keys are ECDSA P-256 from Node's crypto (generated in
// microseconds, where RSA 2048 takes ~0.5 s each on a small machine), signatures come from
// Node's crypto too, and node-forge's ASN.1 module assembles the X.509 DER around them
// (forge's own certificate builder only knows RSA keys).
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import forge from 'node-forge';

export interface CertificateAuthority {
  /** PEM of the CA certificate: what a kubeconfig's certificate-authority-data holds. */
  certPem: string;
  keyPem: string;
  /** The CA's distinguished name (one CN), copied into the certificates it issues. */
  commonName: string;
  /** Subject key identifier, copied into issued certificates as authority key identifier. */
  keyId: string;
}

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
}

const { asn1 } = forge;
type Node = forge.asn1.Asn1;
const U = asn1.Class.UNIVERSAL;
const CTX = asn1.Class.CONTEXT_SPECIFIC;

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
};

const seq = (...items: Node[]): Node => asn1.create(U, asn1.Type.SEQUENCE, true, items);
const set = (...items: Node[]): Node => asn1.create(U, asn1.Type.SET, true, items);
const oid = (o: string): Node => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
const bool = (v: boolean): Node => asn1.create(U, asn1.Type.BOOLEAN, false, v ? '\xff' : '\x00');
const integer = (bytes: Buffer): Node => asn1.create(U, asn1.Type.INTEGER, false, bytes.toString('binary'));
const octets = (bytes: Buffer): Node => asn1.create(U, asn1.Type.OCTETSTRING, false, bytes.toString('binary'));
const bits = (unused: number, bytes: Buffer): Node => asn1.create(U, asn1.Type.BITSTRING, false, String.fromCharCode(unused) + bytes.toString('binary'));
const der = (node: Node): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const name = (cn: string): Node => seq(set(seq(oid(OID.commonName), asn1.create(U, asn1.Type.UTF8, false, forge.util.encodeUtf8(cn)))));
const extension = (id: string, critical: boolean, value: Node): Node =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(der(value)));

/** RFC 5280: UTCTime up to 2049, GeneralizedTime after. */
function time(d: Date): Node {
  return d.getUTCFullYear() < 2050
    ? asn1.create(U, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

/** Positive serial (the high bit cleared), as X.509 verifiers such as Go's require. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

function pem(certDer: Buffer): string {
  const body = certDer.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}

interface CertFields {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  years: number;
  extensions: Node[];
}

function certificate(f: CertFields): string {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // tolerate small clock skews
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + f.years);
  const algorithm = seq(oid(OID.ecdsaWithSha256)); // ECDSA identifiers carry no parameters
  const spki = asn1.fromDer(f.publicKey.export({ type: 'spki', format: 'der' }).toString('binary'));
  const tbs = seq(
    asn1.create(CTX, 0, true, [integer(Buffer.from([2]))]), // v3
    integer(serialNumber()),
    algorithm,
    name(f.issuer),
    seq(time(notBefore), time(notAfter)),
    name(f.subject),
    spki,
    asn1.create(CTX, 3, true, [seq(...f.extensions)]),
  );
  const signature = sign('sha256', der(tbs), f.signingKey);
  return pem(der(seq(tbs, algorithm, bits(0, signature))));
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

/** A new self-signed CA, `commonName` naming it in certificate dumps (e.g. `gitset-sim civo/cluster1 CA`). */
export function createCertificateAuthority(commonName: string): CertificateAuthority {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ski = keyId(publicKey);
  const certPem = certificate({
    subject: commonName,
    issuer: commonName,
    publicKey,
    signingKey: privateKey,
    years: 10,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true))),
      // digitalSignature (bit 0), keyCertSign (5), cRLSign (6): 1000 0110, one unused bit
      extension(OID.keyUsage, true, bits(1, Buffer.from([0x86]))),
      extension(OID.subjectKeyId, false, octets(ski)),
    ],
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), commonName, keyId: ski.toString('hex') };
}

/** A serving certificate for the loopback address, valid for `127.0.0.1`, `::1` and `localhost`. */
export function issueServingCertificate(ca: CertificateAuthority): ServingCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ip = (address: string): Node =>
    asn1.create(CTX, 7, false, (isIPv4(address) ? Buffer.from(address.split('.').map(Number)) : ipv6Loopback()).toString('binary'));
  const certPem = certificate({
    subject: 'kube-apiserver',
    issuer: ca.commonName,
    publicKey,
    signingKey: createPrivateKey(ca.keyPem),
    years: 5,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      // digitalSignature (bit 0): 1000 0000, seven unused bits
      extension(OID.keyUsage, true, bits(7, Buffer.from([0x80]))),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, seq(asn1.create(CTX, 2, false, 'localhost'), ip('127.0.0.1'), ip('::1'))),
      extension(OID.subjectKeyId, false, octets(keyId(publicKey))),
      extension(OID.authorityKeyId, false, seq(asn1.create(CTX, 0, false, Buffer.from(ca.keyId, 'hex').toString('binary')))),
    ],
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A client certificate for user `commonName`, as kubeadm issues to admins: what client-certificate-data holds. */
export function issueClientCertificate(ca: CertificateAuthority, commonName: string): ServingCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certPem = certificate({
    subject: commonName,
    issuer: ca.commonName,
    publicKey,
    signingKey: createPrivateKey(ca.keyPem),
    years: 1,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, bits(7, Buffer.from([0x80]))),
      extension(OID.extKeyUsage, false, seq(oid(OID.clientAuth))),
      extension(OID.authorityKeyId, false, seq(asn1.create(CTX, 0, false, Buffer.from(ca.keyId, 'hex').toString('binary')))),
    ],
  });
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function ipv6Loopback(): Buffer {
  const b = Buffer.alloc(16);
  b[15] = 1;
  return b;
}
