// Reads rollouts and promotions back from status commit messages, for `gitset show rollouts`:
// the `- <id> rollout …` lines of describe-rollouts.ts and the `- <Kind/name> promotion …` lines
// of describe-promotions.ts, as the body of a status commit lists them (one `- change` a line).
// Pure: a message in, the events it says out, in the order it says them, each once.

/** What one line says happened. */
export type RolloutEventKind =
  | 'rollout started'
  | 'rollout wave'
  | 'rollout halted'
  | 'rollout resumed'
  | 'rollout done'
  | 'stage started'
  | 'stage healthy'
  | 'awaiting approval'
  | 'awaiting delay'
  | 'promotion done';

export interface RolloutEvent {
  /** The profile (`ClusterProfile/kyverno`, `Profile/ns/name`) or promotion (`ClusterPromotion/web`). */
  profile: string;
  event: RolloutEventKind;
  /** The clusters the event names: a wave's, a stage's, the cluster a halt stopped at. */
  clusters: string[];
  /** The rest of the line: `maxUpdate 1, 3 waiting`, a halt's reason, `until <time>`. */
  detail?: string;
  /** A promotion's stage. */
  stage?: string;
}

type Reader = (m: RegExpExecArray) => Omit<RolloutEvent, 'profile'>;

const list = (text: string | undefined): string[] => (text ? text.split(', ').filter((c) => c !== '') : []);
const waitingOf = (n: string): string => `${n} waiting`;

/** Each line's form, anchored at both ends; group 1 is always the profile or promotion. */
const FORMS: ReadonlyArray<readonly [RegExp, Reader]> = [
  [/^(\S+) rollout started: maxUpdate (\d+)(?:, wave (.+?))?, (\d+) waiting$/, (m) => ({ event: 'rollout started', clusters: list(m[3]), detail: `maxUpdate ${m[2]}, ${waitingOf(m[4]!)}` })],
  [/^(\S+) rollout wave: (.+) \((\d+) waiting\)$/, (m) => ({ event: 'rollout wave', clusters: list(m[2]), detail: waitingOf(m[3]!) })],
  // The halt's reason starts with the cluster it stopped at (`civo/cluster1: kyverno/x failed (…)`).
  [/^(\S+) rollout halted: (.+) \((\d+) waiting\)$/, (m) => ({ event: 'rollout halted', clusters: list(/^([^\s:]+): /.exec(m[2]!)?.[1]), detail: `${m[2]} (${waitingOf(m[3]!)})` })],
  [/^(\S+) rollout resumed$/, () => ({ event: 'rollout resumed', clusters: [] })],
  [/^(\S+) rollout done$/, () => ({ event: 'rollout done', clusters: [] })],
  [/^(\S+) promotion stage (\S+) started: (.*)$/, (m) => ({ event: 'stage started', stage: m[2]!, clusters: list(m[3]) })],
  [/^(\S+) promotion stage (\S+) healthy$/, (m) => ({ event: 'stage healthy', stage: m[2]!, clusters: [] })],
  [/^(\S+) promotion stage (\S+) awaiting approval$/, (m) => ({ event: 'awaiting approval', stage: m[2]!, clusters: [] })],
  [/^(\S+) promotion stage (\S+) awaiting delay until (\S+)$/, (m) => ({ event: 'awaiting delay', stage: m[2]!, clusters: [], detail: `until ${m[3]}` })],
  [/^(\S+) promotion done$/, () => ({ event: 'promotion done', clusters: [] })],
];

/** The event one change line says, or undefined when it says none of these. */
export function readRolloutLine(line: string): RolloutEvent | undefined {
  for (const [form, read] of FORMS) {
    const m = form.exec(line);
    if (m) return { profile: m[1]!, ...read(m) };
  }
  return undefined;
}

/**
 * The events of one commit message. Only body lines `- <change>` are read: the subject repeats
 * them joined by `; ` (ambiguous), and a message that carries earlier cycles' messages
 * (unpushed or coalesced) may say a line twice; it counts once.
 */
export function readRolloutEvents(message: string): RolloutEvent[] {
  const seen = new Set<string>();
  const out: RolloutEvent[] = [];
  for (const raw of message.split('\n').slice(1)) {
    const line = raw.trim();
    if (!line.startsWith('- ') || seen.has(line)) continue;
    seen.add(line);
    const event = readRolloutLine(line.slice(2));
    if (event) out.push(event);
  }
  return out;
}
