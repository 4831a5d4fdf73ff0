// Status files rendered entry by entry, each kept with the entry it rendered: a cycle renders
// again only the objects whose status changed (YAML costs about 1.5 s for a 10k fleet); an entry
// made anew is compared with the one before as plain data, without a JSON of either. The first
// render after the committed status was read takes an unchanged object's text from Git as it is,
// when reading it showed the text to be exactly what gitset writes for it (status/certified.ts):
// a start renders only what changed too, with or without a work dir kept from before. A
// hand-edited status file is rendered and written back.
import type { StatusCodec } from '../model/ports.ts';
import { rendersAs, sameWritten, type CertifiedFile } from '../status/certified.ts';
import type { StatusSnapshot } from '../status/snapshot.ts';

/** One entry's files, with the entry they were rendered from. */
interface Rendered {
  /** Which map and key it was rendered under. */
  id: string;
  entry: object;
  files: Array<[string, string]>;
}

export interface StatusRenderer {
  /** The files of `next`; `committed` (path → text) is what Git holds, for the texts certify() vouched for. */
  render(next: StatusSnapshot, committed: ReadonlyMap<string, string>): Map<string, string>;
  /** Committed files read back with what they hold, for the next render alone. */
  certify(files: ReadonlyMap<string, CertifiedFile>): void;
}

export function createStatusRenderer(codec: Pick<StatusCodec, 'documents' | 'writeDocument'>): StatusRenderer {
  let current = new Map<string, Rendered>();
  let certified: ReadonlyMap<string, CertifiedFile> | undefined;
  // Snapshot entries are never changed once made (each cycle builds new ones for what changed):
  // the very entry rendered before needs no comparison (recording helm's outcomes keeps most).
  const byEntry = new WeakMap<object, Rendered>();
  return {
    certify(files) {
      certified = files;
    },
    render(next, committed) {
      const previous = current;
      current = new Map();
      const vouched = certified;
      certified = undefined;
      const filesOf = (one: StatusSnapshot): Array<[string, string]> =>
        codec.documents(one).map(([path, doc]) => {
          const file = vouched?.get(path);
          const text = file && committed.get(path) === file.text && rendersAs(doc, file) ? file.text : codec.writeDocument(doc);
          return [path, text];
        });
      for (const { id, entry, one } of entrySnapshots(next)) {
        let r = byEntry.get(entry);
        if (r?.id !== id) {
          const before = previous.get(id);
          r = { id, entry, files: before && sameWritten(before.entry, entry) ? before.files : filesOf(one()) };
          byEntry.set(entry, r);
        }
        current.set(id, r);
      }
      const files: Array<[string, string]> = [];
      for (const r of current.values()) files.push(...r.files);
      files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new Map(files);
    },
  };
}

/** Each entry, named by its map and key, and as a snapshot of its own. */
function* entrySnapshots(next: StatusSnapshot): Generator<{ id: string; entry: object; one: () => StatusSnapshot }> {
  const none = (): StatusSnapshot => ({ clusters: new Map(), sets: new Map(), profiles: new Map() });
  for (const [k, e] of next.clusters) yield { id: `c ${k}`, entry: e, one: () => ({ ...none(), clusters: new Map([[k, e]]) }) };
  for (const [k, e] of next.sets) yield { id: `s ${k}`, entry: e, one: () => ({ ...none(), sets: new Map([[k, e]]) }) };
  for (const [k, e] of next.profiles) yield { id: `p ${k}`, entry: e, one: () => ({ ...none(), profiles: new Map([[k, e]]) }) };
  for (const [k, e] of next.promotions ?? []) yield { id: `r ${k}`, entry: e, one: () => ({ ...none(), promotions: new Map([[k, e]]) }) };
}
