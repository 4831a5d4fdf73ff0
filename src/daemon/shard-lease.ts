// Taking a shard by holding a Lease, for replicas whose names are not StatefulSet ordinals (a
// Deployment, or a pod replaced under another name). Shard n is the Lease `gitset-shard-n`; a
// replica holds one at a time, renews it every third of its duration, and gives it back when it
// stops. As client-go's leader election does, a shard held by another replica is taken over only
// after its Lease was seen unchanged for a whole duration by this replica's own clock, so clocks
// that disagree do not matter; and a holder that could not renew for two thirds of the duration
// stops working before anyone may take over.
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Lease } from '../model/lease.ts';
import type { LeaseStore } from '../model/ports.ts';
import { resolveKubectl } from '../kubectl/binary.ts';
import { PROJECT_ROOT } from './wiring.ts';
import { kubectlLeaseStore } from '../kubectl/leases.ts';
import type { DaemonConfig } from './config.ts';

export const LEASE_PREFIX = 'gitset-shard-';

export const leaseName = (shard: number): string => `${LEASE_PREFIX}${shard}`;

export interface ShardLeaseOptions {
  store: LeaseStore;
  shards: number;
  /** This replica's name in the Leases (its pod's). */
  identity: string;
  durationMs: number;
  logger: Logger;
  /** Milliseconds, for tests; a monotonic clock by default. */
  now?: () => number;
  /** Wall time written into the Leases, for tests. */
  wallClock?: () => Date;
}

/** A shard this replica holds. */
export interface HeldShard {
  shard: number;
  /** Resolves, with why, when the shard is no longer this replica's: it must stop working on it. */
  lost: Promise<string>;
  /** Stops renewing and frees the Lease for the next replica at once. */
  release(): Promise<void>;
}

type Seen = Map<string, { record: string; since: number }>;

/** How a Lease looks to `identity`: free to take, its own, or held by a live replica. */
export function judgeLease(lease: Lease | undefined, identity: string, seen: Seen, now: number, durationMs: number): 'free' | 'ours' | 'held' {
  if (!lease || !lease.holder) return 'free';
  if (lease.holder === identity) return 'ours';
  // Unchanged for a whole duration (the longer of ours and the one written in it): its holder is gone.
  const record = `${lease.resourceVersion}|${lease.holder}|${lease.renewTime}`;
  const last = seen.get(lease.name);
  if (!last || last.record !== record) {
    seen.set(lease.name, { record, since: now });
    return 'held';
  }
  return now - last.since >= Math.max(durationMs, (lease.durationSeconds ?? 0) * 1000) ? 'free' : 'held';
}

/** Waits until a shard is this replica's; `signal` ends the wait (rejecting with its reason). */
export async function acquireShard(opts: ShardLeaseOptions, signal?: AbortSignal): Promise<HeldShard> {
  const now = opts.now ?? (() => performance.now());
  const wall = opts.wallClock ?? (() => new Date());
  const seen: Seen = new Map();
  const names = Array.from({ length: opts.shards }, (_, i) => leaseName(i));
  for (let round = 0; ; round++) {
    signal?.throwIfAborted();
    let leases: Array<Lease | undefined>;
    try {
      leases = await Promise.all(names.map((n) => opts.store.get(n)));
    } catch (err) {
      // The API server may be briefly away (or the Role not yet bound): try again, as client-go does.
      opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot read the shard leases; trying again');
      await sleep(opts.durationMs / 3, undefined, signal ? { signal } : {});
      continue;
    }
    const verdicts = leases.map((l, i) => judgeLease(l ?? { name: names[i]! }, opts.identity, seen, now(), opts.durationMs));
    // Its own first (a restarted pod keeps its shard), then the free ones in order.
    const order = [...verdicts.keys()].filter((i) => verdicts[i] === 'ours').concat([...verdicts.keys()].filter((i) => verdicts[i] === 'free'));
    for (const i of order) {
      const before = leases[i];
      const at = wall().toISOString();
      const ours = verdicts[i] === 'ours';
      const next: Lease = {
        name: names[i]!,
        holder: opts.identity,
        durationSeconds: Math.ceil(opts.durationMs / 1000),
        acquireTime: ours ? (before?.acquireTime ?? at) : at,
        renewTime: at,
        transitions: (before?.transitions ?? 0) + (before?.holder && !ours ? 1 : 0),
        ...(before?.resourceVersion ? { resourceVersion: before.resourceVersion } : {}),
      };
      const written = await (before ? opts.store.replace(next) : opts.store.create(next)).catch((err: unknown) => {
        opts.logger.warn({ lease: next.name, err: err instanceof Error ? err.message : String(err) }, 'cannot write the shard lease');
        return 'conflict' as const;
      });
      if (written === 'exists' || written === 'conflict') continue; // another replica was quicker, or the write failed
      const from = before?.holder && !ours ? `, taken over from ${before.holder}` : '';
      opts.logger.info({ shard: i, of: opts.shards, lease: next.name, identity: opts.identity }, `holding shard ${i} of ${opts.shards} (Lease ${next.name}${from})`);
      return hold(i, written, opts, now, wall);
    }
    if (round === 0) opts.logger.warn({ shards: opts.shards, holders: leases.map((l) => l?.holder ?? null) }, 'every shard is held by a live replica: waiting for one to be freed or to stop renewing');
    await sleep(opts.durationMs / 3, undefined, signal ? { signal } : {});
  }
}

/** Renews every third of the duration until released or lost. */
function hold(shard: number, lease: Lease, opts: ShardLeaseOptions, now: () => number, wall: () => Date): HeldShard {
  const renewDeadline = (opts.durationMs * 2) / 3;
  let current = lease;
  let lastRenewed = now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let markLost: (why: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (markLost = resolve));
  const lose = (why: string): void => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    opts.logger.error({ shard, lease: lease.name }, `shard ${shard} is no longer this replica's: ${why}`);
    markLost(why);
  };
  let renewing: Promise<void> | undefined;
  const renew = async (): Promise<void> => {
    if (stopped) return;
    try {
      const attempt = opts.store.replace({ ...current, holder: opts.identity, renewTime: wall().toISOString() });
      renewing = attempt.then(() => undefined, () => undefined);
      const written = await attempt;
      // Kept even when released meanwhile: the release writes over this version.
      if (written !== 'conflict') current = written;
      if (stopped) return;
      if (written === 'conflict') {
        const found = await opts.store.get(lease.name).catch(() => undefined);
        return lose(`Lease ${lease.name} was written by ${found?.holder ?? 'someone else'} meanwhile`);
      }
      lastRenewed = now();
    } catch (err) {
      const waited = now() - lastRenewed;
      opts.logger.warn({ shard, lease: lease.name, err: err instanceof Error ? err.message : String(err) }, 'cannot renew the shard lease');
      if (waited >= renewDeadline) return lose(`Lease ${lease.name} not renewed for ${Math.round(waited / 1000)} s`);
    }
    if (!stopped) timer = setTimeout(() => void renew(), Math.max(0, Math.min(opts.durationMs / 3, renewDeadline - (now() - lastRenewed))));
  };
  timer = setTimeout(() => void renew(), opts.durationMs / 3);
  return {
    shard,
    lost,
    async release() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await renewing; // a renewal under way changes the version to write over
      await giveBack(shard, current, opts, wall);
    },
  };
}

/** As client-go's ReleaseOnCancel: the Lease left without a holder, so the next replica need not wait a duration. */
async function giveBack(shard: number, current: Lease, opts: ShardLeaseOptions, wall: () => Date): Promise<void> {
  const free = async (over: Lease): Promise<Lease | 'conflict'> => {
    const { holder: _holder, ...rest } = over;
    return opts.store.replace({ ...rest, durationSeconds: 1, renewTime: wall().toISOString() });
  };
  try {
    if ((await free(current)) !== 'conflict') return;
    // Written since our last look: free it only if it is still ours.
    const found = await opts.store.get(current.name);
    if (found?.holder === opts.identity && (await free(found)) !== 'conflict') return;
    if (found?.holder !== opts.identity) return;
    opts.logger.warn({ shard }, 'could not free the shard lease; it expires by itself');
  } catch (err) {
    opts.logger.warn({ shard, err: err instanceof Error ? err.message : String(err) }, 'could not free the shard lease; it expires by itself');
  }
}

/**
 * The configuration with this replica's shard, taken by Lease when `--shard-lease-namespace` is
 * set (waiting until one is free); as given otherwise.
 */
export async function withLeasedShard(config: DaemonConfig, deps: { logger: Logger; env: NodeJS.ProcessEnv }, signal?: AbortSignal): Promise<{ config: DaemonConfig; held?: HeldShard }> {
  const lease = config.shardLease;
  if (!lease) return { config };
  const kubectl = await resolveKubectl({ env: deps.env, projectRoot: PROJECT_ROOT });
  const store = kubectlLeaseStore({
    kubectlPath: kubectl.path,
    namespace: lease.namespace,
    workDir: join(config.workDir, 'kubectl-leases'),
    timeoutMs: Math.max(2000, lease.durationMs / 3),
    env: deps.env,
    ...(lease.kubeconfig ? { kubeconfig: lease.kubeconfig } : {}),
  });
  const held = await acquireShard({ store, shards: config.shard.count, identity: lease.identity, durationMs: lease.durationMs, logger: deps.logger }, signal);
  return { config: { ...config, shard: { index: held.shard, count: config.shard.count } }, held };
}
