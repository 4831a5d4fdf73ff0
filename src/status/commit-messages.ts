// The message of a status commit that lands after others could not: while Git is out of reach,
// each cycle's message (a failover, a cluster going down) would be lost, and the commit that
// finally lands would say only what its own cycle changed (often nothing: `status: update`).
// Pure: the messages of the cycles not pushed, oldest first, in; one message out.
import type { CommitMessage } from '../model/ports.ts';

/** Subjects that say nothing (what the daemon writes when no change is describable). */
const GENERIC = new Set(['status: update', 'status: update details', 'gitset: status']);

/** At most this many messages are kept while pushes fail; older ones are counted, not kept. */
export const MAX_UNPUSHED = 20;

/** Keeps `next` with the unpushed messages, dropping the oldest beyond MAX_UNPUSHED. */
export function keepUnpushed(unpushed: Unpushed, next: CommitMessage): Unpushed {
  const messages = [...unpushed.messages, next];
  const over = Math.max(0, messages.length - MAX_UNPUSHED);
  return { messages: messages.slice(over), dropped: unpushed.dropped + over };
}

export interface Unpushed {
  /** Oldest first. */
  messages: CommitMessage[];
  /** Older messages no longer kept. */
  dropped: number;
}

export const NOTHING_UNPUSHED: Unpushed = Object.freeze({ messages: [], dropped: 0 }) as Unpushed;

/**
 * One message for a commit carrying the changes of the unpushed cycles and of `current`. The
 * subject is the first completed failover's, else the latest informative one's, with how many
 * more there are; the body lists every cycle's message, oldest first.
 */
export function mergeUnpushed(unpushed: Unpushed, current: CommitMessage): CommitMessage {
  if (unpushed.messages.length === 0) return current;
  const all = [...unpushed.messages, current];
  const informative = all.filter((m) => !GENERIC.has(m.subject.trim()));
  if (informative.length === 0) return current;
  const lead = informative.find((m) => / failed over | moved \(/.test(m.subject)) ?? informative[informative.length - 1]!;
  const more = informative.length - 1 + unpushed.dropped;
  const subject = more > 0 ? `${lead.subject} (+${more} more)` : lead.subject;
  const cycles = unpushed.messages.length + unpushed.dropped;
  const intro = `Also the changes of ${cycles} earlier cycle${cycles === 1 ? '' : 's'} whose status could not be pushed${unpushed.dropped > 0 ? ` (the oldest ${unpushed.dropped} not kept)` : ''}:`;
  const blocks = informative.map((m) => [m.subject.trim(), m.body?.trim()].filter(Boolean).join('\n'));
  return { subject, body: [intro, ...blocks].join('\n\n') };
}

/**
 * Unpushed messages as kept on disk across a restart. Reading takes only well-formed entries
 * (the file is gitset's own, but a truncated write must not stop a start); anything else: none.
 */
export function serializeUnpushed(unpushed: Unpushed): string {
  return `${JSON.stringify({ version: 1, ...unpushed })}\n`;
}

export function parseUnpushed(text: string): Unpushed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return NOTHING_UNPUSHED;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1) return NOTHING_UNPUSHED;
  const { messages, dropped } = raw as { messages?: unknown; dropped?: unknown };
  const kept = (Array.isArray(messages) ? messages : []).flatMap((m: unknown): CommitMessage[] => {
    if (typeof m !== 'object' || m === null) return [];
    const { subject, body } = m as { subject?: unknown; body?: unknown };
    if (typeof subject !== 'string') return [];
    return [typeof body === 'string' ? { subject, body } : { subject }];
  });
  const over = Math.max(0, kept.length - MAX_UNPUSHED);
  const before = typeof dropped === 'number' && Number.isSafeInteger(dropped) && dropped >= 0 ? dropped : 0;
  return { messages: kept.slice(over), dropped: before + over };
}

/** At most this many replaced requests' messages wait for a commit; older ones are dropped. */
export const MAX_COALESCED = 20;

const SUBJECT_MAX = 100;

/** The `- change` lines of a message's body (what describeChanges lists). */
function changeLines(message: CommitMessage): string[] {
  return (message.body ?? '').split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
}

/**
 * The message of a commit that also lands the status of requests a newer one replaced before
 * their commit started (the committer keeps only the newest): their change lines, oldest first,
 * lead the body, each line once. A `status: …` subject is made again from every change (a
 * completed failover first, as describeChanges does); another one (a note, an invalid revision) stays.
 */
export function mergeCoalesced(replaced: readonly CommitMessage[], current: CommitMessage): CommitMessage {
  const own = new Set(changeLines(current));
  const earlier = [...new Set(replaced.flatMap(changeLines))].filter((l) => !own.has(l));
  if (earlier.length === 0) return current;
  const all = [...earlier, ...own];
  const done = all.filter((c) => / (failed over|moved \([a-z-]+\)) .* in \d+s$/.test(c));
  const changes = [...done, ...all.filter((c) => !done.includes(c))];
  const joined = `status: ${changes.join('; ')}`;
  const remade = joined.length <= SUBJECT_MAX ? joined : `status: ${changes[0]} (+${changes.length - 1} more)`;
  const subject = current.subject.startsWith('status: ') || GENERIC.has(current.subject.trim()) ? remade : current.subject;
  const body = current.body?.trim() ?? '';
  const lines = earlier.map((l) => `- ${l}`).join('\n');
  return { subject, body: body === '' ? lines : `${lines}${body.startsWith('- ') ? '\n' : '\n\n'}${body}` };
}
