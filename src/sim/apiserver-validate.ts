// The checks a real API server makes on every object, whatever its schema: valid names and
// labels. They are what a chart most often gets wrong (a long release name, an uppercase
// value in a name), and a real cluster answers 422 Invalid for them, so the simulation does too.
import type { ResourceType } from './apiserver-discovery.ts';
import { ApiError } from './apiserver-http.ts';
import type { KubeObject } from './apiserver-store.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Names of these kinds must be DNS labels (63 characters); Services also start with a letter. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Service') {
    return name.length <= 63 && DNS_1035_LABEL.test(name)
      ? undefined
      : `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (at most 63 characters)`;
  }
  if (LABEL_NAMED.has(kind)) {
    return name.length <= 63 && DNS_LABEL.test(name)
      ? undefined
      : `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (at most 63 characters)`;
  }
  return name.length <= 253 && DNS_SUBDOMAIN.test(name)
    ? undefined
    : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)`;
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return 'prefix part must be a DNS subdomain';
  if (name.length > 63 || !LABEL_NAME.test(name)) return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)`;
  return undefined;
}

/** Throws 422 Invalid, shaped like the real answer, when the object's name or labels are not valid. */
export function validateObject(rt: ResourceType, obj: KubeObject): void {
  const name = obj.metadata.name ?? '';
  const causes: Array<{ field: string; message: string }> = [];
  const nameIssue = nameProblem(rt.kind, name);
  if (nameIssue) causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": ${nameIssue}` });
  for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
    const keyIssue = labelKeyProblem(key);
    if (keyIssue) causes.push({ field: 'metadata.labels', message: `Invalid value: "${key}": ${keyIssue}` });
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push({
        field: 'metadata.labels',
        message: `Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)`,
      });
    }
  }
  if (causes.length === 0) return;
  const group = rt.group ? `.${rt.group}` : '';
  throw new ApiError(
    'Invalid',
    `${rt.kind}${group} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, group: rt.group || undefined, kind: rt.kind },
  );
}
