// The commit message's words for progressive rollouts (maxUpdate): when one starts, each wave,
// a halt, a resume and the end, so that `git log` tells a rollout's story.
import type { RolloutStatus } from '../model/status.ts';
import type { StatusSnapshot } from './snapshot.ts';

export function rolloutChanges(prev: StatusSnapshot, next: StatusSnapshot): string[] {
  const out: string[] = [];
  for (const id of [...new Set([...prev.profiles.keys(), ...next.profiles.keys()])].sort()) {
    const a = prev.profiles.get(id)?.status.rollout;
    const b = next.profiles.get(id)?.status.rollout;
    out.push(...changesOf(id, a, b, next.profiles.has(id)));
  }
  return out;
}

function changesOf(id: string, a: RolloutStatus | undefined, b: RolloutStatus | undefined, present: boolean): string[] {
  if (!a && !b) return [];
  if (!b) return present ? [`${id} rollout done`] : [];
  const waiting = (r: RolloutStatus) => `${r.waiting.length} waiting`;
  if (b.halted !== undefined && a?.halted !== b.halted) return [`${id} rollout halted: ${b.halted} (${waiting(b)})`];
  const wave = b.wave ?? [];
  if (!a) return [`${id} rollout started: maxUpdate ${b.maxUpdate}${wave.length > 0 ? `, wave ${wave.join(', ')}` : ''}, ${waiting(b)}`];
  const out: string[] = [];
  if (a.halted !== undefined && b.halted === undefined) out.push(`${id} rollout resumed`);
  if (wave.length > 0 && wave.join() !== (a.wave ?? []).join()) out.push(`${id} rollout wave: ${wave.join(', ')} (${waiting(b)})`);
  return out;
}
