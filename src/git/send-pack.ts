// The client side of git's smart-HTTP push (protocol v0/v1 receive-pack), for a status commit
// whose new objects are already in one pack. isomorphic-git's push walks the whole history to
// find what to send and rebuilds a pack object by object; for a fleet-wide status change that
// is most of the time spent. Here the ref listing says whether the remote is where we built on,
// and the pack we stored is sent as it is.
import { Errors } from 'isomorphic-git';
import type { GitHttpClient } from './http.ts';

export interface PushAccess {
  url: string;
  http: GitHttpClient;
  headers: () => Record<string, string>;
}

export const ZERO_OID = '0000000000000000000000000000000000000000';

export interface Advertisement {
  /** Full ref name → oid. */
  refs: Map<string, string>;
  capabilities: Set<string>;
}

/** What receive-pack said about one ref update. */
export type RefUpdate = { ok: true } | { ok: false; reason: string };

/** The server refused the pack or the command as a whole (not a per-ref `ng`). */
export class ReceivePackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReceivePackError';
  }
}

export function pktLine(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

/**
 * The pkt-line at `at` (`null` for a flush or delimiter packet) and where the next begins;
 * undefined when `buf` ends inside it.
 */
export function pktLineAt(buf: Buffer, at: number): { line: Buffer | null; next: number } | undefined {
  if (at + 4 > buf.length) return undefined;
  const len = parseInt(buf.toString('latin1', at, at + 4), 16);
  if (Number.isNaN(len)) throw new ReceivePackError('malformed pkt-line from the server');
  if (len < 4) return { line: null, next: at + 4 };
  return at + len > buf.length ? undefined : { line: buf.subarray(at + 4, at + len), next: at + len };
}

/** Splits pkt-lines; `null` is a flush (or delimiter) packet. */
export function readPktLines(buf: Buffer): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const pkt = pktLineAt(buf, at);
    if (!pkt) throw new ReceivePackError('truncated pkt-line from the server');
    out.push(pkt.line);
    at = pkt.next;
  }
  return out;
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (body) for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

type Response = Awaited<ReturnType<GitHttpClient['request']>>;

export async function checkedBody(res: Response, contentType: string): Promise<Buffer> {
  const body = await collect(res.body);
  // The error types isomorphic-git throws, so classifyRemoteError maps them as for a fetch.
  if (res.statusCode !== 200) throw new Errors.HttpError(res.statusCode, res.statusMessage, '');
  const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!type.startsWith(contentType)) throw new Errors.SmartHttpError(body.subarray(0, 80).toString('utf8'), '');
  return body;
}

/** The body as it arrives, once the status and content type are right (else checkedBody's errors). */
export async function checkedStream(res: Response, contentType: string): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>> {
  const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (res.statusCode !== 200 || !type.startsWith(contentType)) return [await checkedBody(res, contentType)];
  return res.body ?? [];
}

/** The receive-pack (or upload-pack) ref listing: where each branch is now, and what the server can do. */
export async function advertisedRefs(access: PushAccess, service: 'git-receive-pack' | 'git-upload-pack' = 'git-receive-pack'): Promise<Advertisement> {
  const res = await access.http.request({
    url: `${access.url}/info/refs?service=${service}`,
    method: 'GET',
    headers: { ...access.headers(), accept: `application/x-${service}-advertisement` },
  });
  const lines = readPktLines(await checkedBody(res, `application/x-${service}-advertisement`));
  let i = 0;
  // Smart HTTP prefixes a service announcement and a flush.
  if (lines[0]?.toString('utf8').startsWith('# service=')) {
    i = 1;
    while (i < lines.length && lines[i] !== null) i++;
    i++;
  }
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (!line) break;
    const nul = line.indexOf(0);
    const text = (nul >= 0 ? line.subarray(0, nul) : line).toString('utf8').replace(/\n$/, '');
    if (nul >= 0) for (const cap of line.subarray(nul + 1).toString('utf8').trim().split(' ')) if (cap) capabilities.add(cap);
    const [oid, name] = text.split(' ');
    if (oid && name && name !== 'capabilities^{}') refs.set(name, oid);
  }
  return { refs, capabilities };
}

/**
 * Sends one ref update and its pack. Resolves with the server's verdict on the ref; throws
 * ReceivePackError when the pack could not be unpacked or the server reported a fatal error.
 */
export async function sendPack(
  access: PushAccess, capabilities: ReadonlySet<string>, update: { ref: string; old: string; new: string }, pack: Buffer,
): Promise<RefUpdate> {
  const wanted = ['report-status', 'side-band-64k'].filter((c) => capabilities.has(c));
  const command = pktLine(`${update.old} ${update.new} ${update.ref}\0${[...wanted, 'agent=gitset'].join(' ')}\n`);
  const res = await access.http.request({
    url: `${access.url}/git-receive-pack`,
    method: 'POST',
    headers: {
      ...access.headers(),
      'content-type': 'application/x-git-receive-pack-request',
      accept: 'application/x-git-receive-pack-result',
    },
    body: [command, Buffer.from('0000', 'latin1'), pack] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  let report = await checkedBody(res, 'application/x-git-receive-pack-result');
  if (!wanted.includes('report-status')) return { ok: true };
  if (wanted.includes('side-band-64k')) report = demultiplex(report);
  return parseReport(readPktLines(report), update.ref);
}

/** Band 1 carries the report, band 2 progress (dropped), band 3 a fatal error. */
function demultiplex(body: Buffer): Buffer {
  const data: Buffer[] = [];
  for (const line of readPktLines(body)) {
    if (!line || line.length === 0) continue;
    const band = line[0];
    if (band === 1) data.push(line.subarray(1));
    else if (band === 3) throw new ReceivePackError(`server error: ${line.subarray(1).toString('utf8').trim()}`);
  }
  return Buffer.concat(data);
}

function parseReport(lines: Array<Buffer | null>, ref: string): RefUpdate {
  const texts = lines.filter((l): l is Buffer => l !== null).map((l) => l.toString('utf8').replace(/\n$/, ''));
  const unpack = texts.find((t) => t.startsWith('unpack '));
  if (!unpack) throw new ReceivePackError('the server sent no report on the push');
  if (unpack !== 'unpack ok') throw new ReceivePackError(`the server could not store the pushed objects (${unpack.slice('unpack '.length)})`);
  for (const t of texts) {
    if (t === `ok ${ref}`) return { ok: true };
    if (t.startsWith(`ng ${ref} `)) return { ok: false, reason: t.slice(`ng ${ref} `.length) };
  }
  throw new ReceivePackError(`the server's report does not mention ${ref}`);
}
