// Status files rendered entry by entry, each kept with the JSON of what it rendered: a cycle
// renders again only the objects whose status changed (YAML costs about 3 s for a 10k fleet,
// its JSON less than half of that). Across a restart a seed kept beside the clone says which
// committed file is the rendering of which entry (hashes of both), so the first cycle after a
// restart renders only what changed too. A seeded text is taken only when the committed file
// is byte for byte the one recorded: a hand-edited status file is rendered and written back.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { StatusSnapshot } from '../status/snapshot.ts';

/** One entry's files, with the JSON they were rendered from and, once needed, hashes of both. */
interface Rendered {
  /** Which map and key it was rendered under. */
  id: string;
  json: string;
  files: Array<[string, string]>;
  jsonHash?: string;
  textHashes?: string[];
}

export interface StatusRenderer {
  /** The files of `next`; `committed` (path → text) lets a seeded entry take the committed text. */
  render(next: StatusSnapshot, committed: ReadonlyMap<string, string>): Map<string, string>;
  /** `committed` is what Git holds now: the entries whose files it holds are the seed of the next start. */
  keep(committed: ReadonlyMap<string, string>, log: Logger): void;
}

/** Renders one entry's snapshot; each entry's files depend on that entry alone. */
type RenderFiles = (snapshot: StatusSnapshot) => Map<string, string>;

const SEED_FORMAT = 1;
/** Seeded entries rendered anyway at the first render and compared: another renderer drops the seed. */
const SEED_CHECKS = 16;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

export function createStatusRenderer(renderFiles: RenderFiles, seedFile: string | undefined): StatusRenderer {
  let current = new Map<string, Rendered>();
  /** jsonHash → [path, textHash] of each file: from the last start's seed, dropped after the first render. */
  let seed: Map<string, Array<[string, string]>> | undefined = seedFile ? readSeed(seedFile) : undefined;
  let kept = '';
  /** Since the last keep: the entries changed, or Git holds other files. */
  let stale = true;
  let keptAgainst: ReadonlyMap<string, string> | undefined;
  // Snapshot entries are never changed once made (each cycle builds new ones for what changed):
  // the very entry rendered before needs not even its JSON (recording helm's outcomes keeps most).
  const byEntry = new WeakMap<object, Rendered>();
  return {
    render(next, committed) {
      const previous = current;
      current = new Map();
      const seeded = seed ? seededRenderer(seed, committed, renderFiles) : undefined;
      seed = undefined;
      for (const { id, entry, one } of entrySnapshots(next)) {
        let r = byEntry.get(entry);
        if (r?.id !== id) {
          const json = JSON.stringify([id, entry]);
          r = previous.get(json) ?? seeded?.(id, json, one()) ?? { id, json, files: [...renderFiles(one())] };
          byEntry.set(entry, r);
        }
        if (previous.get(r.json) !== r) stale = true;
        current.set(r.json, r);
      }
      if (current.size !== previous.size) stale = true;
      const files: Array<[string, string]> = [];
      for (const r of current.values()) files.push(...r.files);
      files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new Map(files);
    },
    keep(committed, log) {
      if (!seedFile || (!stale && committed === keptAgainst)) return;
      stale = false;
      keptAgainst = committed;
      const lines: string[] = [];
      for (const r of current.values()) {
        if (!r.files.every(([path, text]) => committed.get(path) === text)) continue;
        r.jsonHash ??= sha1(r.json);
        r.textHashes ??= r.files.map(([, text]) => sha1(text));
        lines.push(JSON.stringify([r.jsonHash, r.files.map(([path], i) => [path, r.textHashes![i]])]));
      }
      const text = `${JSON.stringify({ format: SEED_FORMAT })}\n${lines.sort().join('\n')}\n`;
      if (text === kept) return;
      try {
        writeFileSync(`${seedFile}.tmp`, text);
        renameSync(`${seedFile}.tmp`, seedFile);
        kept = text;
      } catch (err) {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'status render seed not kept on disk');
      }
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

/**
 * Looks an entry up in the seed: its committed files, when Git holds exactly what was recorded.
 * The first SEED_CHECKS hits are rendered too; one that differs (another gitset wrote the seed)
 * turns the seed off.
 */
function seededRenderer(seed: Map<string, Array<[string, string]>>, committed: ReadonlyMap<string, string>, renderFiles: RenderFiles): (id: string, json: string, one: StatusSnapshot) => Rendered | undefined {
  let checks = SEED_CHECKS;
  let trusted = true;
  return (id, json, one) => {
    if (!trusted) return undefined;
    const jsonHash = sha1(json);
    const recorded = seed.get(jsonHash);
    if (!recorded) return undefined;
    const files: Array<[string, string]> = [];
    for (const [path, textHash] of recorded) {
      const text = committed.get(path);
      if (text === undefined || sha1(text) !== textHash) return undefined;
      files.push([path, text]);
    }
    if (checks-- > 0) {
      const rendered = [...renderFiles(one)];
      if (rendered.length !== files.length || rendered.some(([p, t], i) => files[i]![0] !== p || files[i]![1] !== t)) {
        trusted = false;
        return { id, json, files: rendered };
      }
    }
    return { id, json, files, jsonHash, textHashes: recorded.map(([, h]) => h) };
  };
}

function readSeed(file: string): Map<string, Array<[string, string]>> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // none kept yet
  }
  const lines = text.split('\n');
  try {
    if ((JSON.parse(lines[0]!) as { format?: unknown }).format !== SEED_FORMAT) return undefined;
    const seed = new Map<string, Array<[string, string]>>();
    for (const line of lines.slice(1)) {
      if (!line) continue;
      const [jsonHash, files] = JSON.parse(line) as [string, Array<[string, string]>];
      seed.set(jsonHash, files);
    }
    return seed;
  } catch {
    return undefined; // torn or foreign: rendered anew
  }
}
