// The kustomize.tar.gz of a ConfigMap: a real archive made by tar unpacks into its files; hostile
// archives (absolute paths, .., links, devices, bombs, garbage) are refused as a whole.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { MAX_UNPACKED_BYTES, readTarball, writeEntries, type TarballErrorCode } from '../../src/kustomize/tarball.ts';
import { writeFiles } from '../git/helpers.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gitset-tar-test-'));
  dirs.push(d);
  return d;
}

/** One tar header + body, as ustar writes it. */
function entry(name: string, type: string, body = '', linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write(linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([h, data]);
}
const archive = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

function refused(bytes: Buffer, code: TarballErrorCode): void {
  assert.throws(() => readTarball(bytes), (err: { code?: string }) => err.code === code);
}

describe('kustomize.tar.gz', () => {
  test('an archive made by tar -czf unpacks into the same files', async () => {
    const src = await tmp();
    await writeFiles(src, { 'overlays/production/kustomization.yaml': 'resources:\n- ../../base\n', 'base/kustomization.yaml': 'resources: [cm.yaml]\n', 'base/cm.yaml': 'kind: ConfigMap\n' });
    const { stdout } = await execa('tar', ['-czf', '-', '-C', src, '.'], { encoding: 'buffer' });
    const out = await tmp();
    await writeEntries(out, readTarball(Buffer.from(stdout)));
    assert.deepEqual((await readdir(out, { recursive: true })).sort(), ['base', 'base/cm.yaml', 'base/kustomization.yaml', 'overlays', 'overlays/production', 'overlays/production/kustomization.yaml']);
    assert.equal(await readFile(join(out, 'overlays/production/kustomization.yaml'), 'utf8'), 'resources:\n- ../../base\n');
  });

  test('a plain (not gzipped) tar and long names by PAX header are read too', () => {
    const long = `${'d'.repeat(120)}/kustomization.yaml`;
    const pax = `${(`${long}`.length + 9 + 3).toString()} path=${long}\n`;
    const entries = readTarball(Buffer.concat([entry('pax', 'x', pax), entry('short', '0', 'x'), Buffer.alloc(1024)]));
    assert.deepEqual(entries.map((e) => e.path), [long]);
  });

  test('absolute paths, .. and links of any kind are refused', () => {
    refused(archive(entry('/etc/passwd', '0', 'x')), 'unsafe-entry');
    refused(archive(entry('ok/../../escape.yaml', '0', 'x')), 'unsafe-entry');
    refused(archive(entry('link', '2', '', '/etc/passwd')), 'unsafe-entry');
    refused(archive(entry('ok.yaml', '0', 'x'), entry('hard', '1', '', 'ok.yaml')), 'unsafe-entry');
    refused(archive(entry('dev', '3')), 'unsafe-entry');
  });

  test('an archive that unpacks past the limit, garbage and a truncated archive are refused', () => {
    const bomb = gzipSync(Buffer.concat([entry('big', '0', ''), Buffer.alloc(MAX_UNPACKED_BYTES + 1024)]));
    assert.ok(bomb.length < 200_000, 'small on the wire');
    refused(bomb, 'too-large');
    refused(gzipSync(Buffer.from('not a tar archive'.repeat(40))), 'bad-archive');
    refused(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'bad-archive');
    const whole = Buffer.concat([entry('a.yaml', '0', 'x'.repeat(2000))]);
    refused(whole.subarray(0, 1024), 'bad-archive');
  });
});
