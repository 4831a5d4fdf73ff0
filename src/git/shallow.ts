// A clone's history is fetched down to the tip only (fetch-pack.ts); the commits whose parents
// were left out are listed in `.git/shallow`, as git and isomorphic-git keep them. A walk that
// reaches one of them (which commit brought the inputs, who approved a stage, the last good
// revision) asks for more history here: one upload-pack exchange that deepens the clone from
// where it stops, sending nothing the clone already holds.
import { uploadPack } from './fetch-pack.ts';
import { advertisedRefs, type PushAccess } from './send-pack.ts';
import { readRef, readShallow, storePack, writeShallow, type ObjectStore } from './store.ts';

/** git's depth for "all of it" (`git fetch --unshallow`); also the most a depth can say. */
const WHOLE = 2147483647;

/**
 * Fetches `by` more commits of `ref`'s history below where the clone's stops; false when the
 * history is already whole (or the server could not deepen it), so that a walk ends.
 */
export async function deepenClone(access: PushAccess, store: ObjectStore, ref: string, by: number): Promise<boolean> {
  const shallow = readShallow(store.gitdir);
  if (shallow.size === 0) return false;
  const adv = await advertisedRefs(access, 'git-upload-pack');
  const tip = adv.refs.get(ref);
  if (!tip || !adv.capabilities.has('shallow')) return false;
  // A server without deepen-relative is asked for the whole history, as `git fetch --unshallow` does.
  const relative = adv.capabilities.has('deepen-relative');
  const haves = [await readRef(store, ref), await readRef(store, ref.replace(/^refs\/heads\//, 'refs/remotes/origin/'))].filter((h): h is string => !!h);
  const answer = await uploadPack(access, adv, {
    wants: [tip],
    depth: [...[...shallow].map((o) => `shallow ${o}`), `deepen ${relative ? Math.min(Math.max(1, Math.floor(by)), WHOLE) : WHOLE}`],
    haves: [...new Set(haves)],
    caps: relative ? ['deepen-relative'] : [],
  });
  if (answer.indexed) storePack(store, answer.indexed.pack);
  // Progress is a commit of ours that is shallow no more: a server that names others cannot keep a walk going.
  const progressed = answer.unshallow.some((oid) => shallow.has(oid));
  for (const oid of answer.unshallow) shallow.delete(oid);
  for (const oid of answer.shallow) shallow.add(oid);
  writeShallow(store.gitdir, shallow);
  return progressed;
}
