// gitset's mark on what it installs. The clusters are the truth: a release or object is gitset's
// to upgrade, repair or withdraw only when it carries these labels, whatever the status files say.
import { createHash } from 'node:crypto';

/** Every release gitset installs carries `gitset.dev/managed-by=gitset` on helm's release record. */
export const MANAGED_BY_LABEL = 'gitset.dev/managed-by';
export const MANAGED_BY_VALUE = 'gitset';
/** Which profile installed it, as a label value (see `profileLabelValue`). */
export const PROFILE_LABEL = 'gitset.dev/profile';

/** The desired-state hash the release was last applied with (its first 32 hex digits). */
export const HASH_LABEL = 'gitset.dev/hash';

const LABEL_VALUE_MAX = 63;
const HASH_LABEL_DIGITS = 32;

/** What `gitset.dev/hash` holds for a desired-state hash (`sha256:<hex>`): its first 32 hex digits. */
export function hashLabelValue(hash: string): string {
  return hash.slice(hash.indexOf(':') + 1, hash.indexOf(':') + 1 + HASH_LABEL_DIGITS);
}

/**
 * A profile's id (`ClusterProfile/hello`, `Profile/eng/hello`) as a label value: lower-cased kind
 * and the name parts joined by dots (`clusterprofile.hello`), or a readable prefix and a hash when
 * that is longer than a label value may be. The same id always gives the same value.
 */
export function profileLabelValue(profileId: string): string {
  const plain = profileId.toLowerCase().replaceAll('/', '.');
  if (plain.length <= LABEL_VALUE_MAX) return plain;
  const hash = createHash('sha256').update(profileId).digest('hex').slice(0, 12);
  const prefix = plain.slice(0, LABEL_VALUE_MAX - hash.length - 1).replace(/[^a-z0-9]+$/, '');
  return `${prefix}-${hash}`;
}

/** The labels helm writes on the release record of a release this profile installs with this hash. */
export function releaseLabels(profileId: string, hash: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PROFILE_LABEL]: profileLabelValue(profileId), [HASH_LABEL]: hashLabelValue(hash) };
}

/** Whether a label set carries gitset's mark. */
export function isGitsetMarked(labels: Readonly<Record<string, string>> | undefined): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}
