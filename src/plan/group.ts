// One (profile, cluster) pair's share of a cycle's plan, as planReleases builds it.
import type { ReleaseStatus } from '../model/status.ts';
import type { PlannedAction } from './decide.ts';

/**
 * One cluster's share of a profile's plan: its actions (placed in order later) and its records.
 * Sized up front and trimmed by done(): a list pushed to from `[]` reserves 16 slots, and the
 * records stay in the status of every (profile, cluster) pair (40k in a new 10k fleet).
 */
export class Group {
  readonly actions: PlannedAction[];
  readonly records: ReleaseStatus[];
  private a = 0;
  private r = 0;
  constructor(most: number) {
    this.actions = new Array<PlannedAction>(most);
    this.records = new Array<ReleaseStatus>(most);
  }
  act(action: PlannedAction): void {
    this.actions[this.a++] = action;
  }
  record(record: ReleaseStatus): void {
    this.records[this.r++] = record;
  }
  done(): this {
    this.actions.length = this.a;
    this.records.length = this.r;
    return this;
  }
}
