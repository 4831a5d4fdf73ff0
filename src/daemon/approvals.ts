// Which content each manual approval of a ClusterPromotion was given for, read from Git: the
// content (profileSpec's hash) at the commit that set `approved: true`, the reviewed commit that
// approves. The status file records the same (`approvedHash`), but anyone who can push to status/
// could write it; the history cannot be rewritten without a force push. Walks the first-parent
// history back from the tip, reading the promotion's file only where its folder changed. Reads
// through the Repo port.
import { dirname, posix } from 'node:path';
import { parseManifests } from '../load/index.ts';
import type { ClusterPromotion } from '../model/objects.ts';
import type { Repo } from '../model/ports.ts';
import { contentHash, promotionId } from '../plan/promotion.ts';

/**
 * Commits walked back at most (status commits included). An approval older than that is not found
 * here, and the plan goes by the status's record of it (`approvedHash`, as first seen).
 */
export const MAX_APPROVAL_WALK = 500;

/** `ClusterPromotion/web/prod` → the content hash its approval was committed with. */
export type ApprovalOrigins = Map<string, string>;

export function approvalKey(p: { metadata: { name: string } }, stage: string): string {
  return `${promotionId(p)}/${stage}`;
}

/** The stages whose approval counts for one content only (Sveltos' automaticReset, the default). */
function approvedStages(p: ClusterPromotion): string[] {
  return p.spec.stages.filter((s) => s.trigger?.manual?.approved === true && s.trigger.manual.automaticReset !== false).map((s) => s.name);
}

type GitReads = Pick<Repo, 'history' | 'readFilesAt' | 'folderIdAt'>;

export function approvalFinder(repo: GitReads, max = MAX_APPROVAL_WALK): (tip: string, promotions: readonly ClusterPromotion[]) => Promise<ApprovalOrigins> {
  return async (tip, promotions) => {
    const out: ApprovalOrigins = new Map();
    for (const p of promotions) {
      const stages = approvedStages(p);
      if (stages.length === 0) continue;
      const found = await originOf(repo, tip, p, stages, max).catch(() => undefined);
      for (const [stage, hash] of found ?? []) out.set(approvalKey(p, stage), hash);
    }
    return out;
  };
}

/** The promotion as its file held it at a commit; undefined when the file or the object is not there. */
async function promotionAt(repo: GitReads, revision: string, file: string, name: string): Promise<ClusterPromotion | undefined> {
  const dir = dirname(file) === '.' ? '' : dirname(file);
  const wanted = dir === '' ? file : posix.relative(dir, file);
  const text = (await repo.readFilesAt(revision, dir)).find((f) => f.path === wanted)?.text;
  if (text === undefined) return undefined;
  return parseManifests([{ path: file, text }]).promotions?.find((x) => x.metadata.name === name);
}

const approvedAt = (p: ClusterPromotion | undefined, stage: string): boolean => p?.spec.stages.find((s) => s.name === stage)?.trigger?.manual?.approved === true;

async function originOf(repo: GitReads, tip: string, p: ClusterPromotion, stages: readonly string[], max: number): Promise<Map<string, string>> {
  const file = p.source.file;
  const dir = dirname(file) === '.' ? '' : dirname(file);
  const open = new Set(stages);
  const out = new Map<string, string>();
  let at = await promotionAt(repo, tip, file, p.metadata.name);
  // The folder's id at the commit walked: its parent's, read in the step before (one read a commit).
  let folder: string | undefined;
  for await (const commit of repo.history({ from: tip, max, firstParent: true })) {
    const parent = commit.parents[0];
    const here = folder ?? (await repo.folderIdAt(commit.revision, dir));
    folder = parent === undefined ? undefined : await repo.folderIdAt(parent, dir);
    if (parent !== undefined && folder === here) continue;
    const before = parent === undefined ? undefined : await promotionAt(repo, parent, file, p.metadata.name);
    for (const stage of [...open]) {
      // This commit set approved: true (or brought the promotion in approved): it approves what it held.
      if (!approvedAt(before, stage) && at) {
        out.set(stage, contentHash(at));
        open.delete(stage);
      }
    }
    if (open.size === 0 || parent === undefined) break;
    at = before ?? (await promotionAt(repo, commit.revision, file, p.metadata.name));
  }
  return out;
}
