// What a cycle says when it ends: its metrics and log line, and the status commit's message.
import type { Logger } from 'pino';
import type { CommitMessage } from '../git/repo.ts';
import type { CycleReport } from './daemon.ts';
import type { DaemonMetrics } from './metrics.ts';
import type { CycleRequest } from './triggers.ts';

/** Metrics and the closing log line of one cycle. */
export function reportCycle(out: { metrics: DaemonMetrics; log: Logger }, request: CycleRequest, report: CycleReport, seconds: number, observeRequests: number): void {
  const { metrics } = out;
  metrics.cycleDuration.observe({ outcome: report.outcome }, seconds);
  for (const trigger of request.reasons) metrics.cycles.inc({ outcome: report.outcome, trigger });
  if (report.outcome === 'success') metrics.lastSuccessfulCycle.set(Date.now() / 1000);
  // A quiet cycle is routine (one per probe interval); one that did or failed something is news.
  const level = report.committed || report.outcome !== 'success' ? 'info' : 'debug';
  out.log[level]({ durationMs: Math.round(seconds * 1000), outcome: report.outcome, trigger: request.reasons, committed: report.committed, observeRequests }, 'cycle done');
}

export function commitMessage(described: CommitMessage | undefined, errors: string[] | undefined, revision: string): CommitMessage {
  if (!errors) return described ?? { subject: 'gitset: status' };
  const note = `revision ${revision.slice(0, 12)} does not validate; the last good revision stays in force:\n${errors.slice(0, 5).map((e) => `  ${e}`).join('\n')}`;
  if (!described) return { subject: `gitset: revision ${revision.slice(0, 12)} not applied (invalid)`, body: note };
  return { subject: described.subject, body: [described.body, note].filter(Boolean).join('\n\n') };
}

/** Notes (the breaker opened or closed) lead the message; the newest gives the subject. */
export function withNotes(message: CommitMessage, notes: readonly string[]): CommitMessage {
  const last = notes[notes.length - 1];
  if (last === undefined) return message;
  return { subject: `gitset: ${last.split(':')[0]}`, body: [...notes, message.subject, message.body].filter(Boolean).join('\n\n') };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
