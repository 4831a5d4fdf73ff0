// The part of a kubeconfig a probe reads: the cluster and user entries its current context points
// at, with where each sits in the file (`clusters[0].cluster`, `users[1].user`) so a message can
// name the field a person has to change. Pure: text in, maps out. Messages never quote values.
import { parseDocument } from 'yaml';
import { KubeconfigError } from './errors.ts';

export type YamlMap = Record<string, unknown>;

/** An entry of the kubeconfig and the path that names it in messages. */
export interface KubeconfigEntry {
  entry: YamlMap;
  /** e.g. `users[0].user`; empty for a user the context does not name. */
  field: string;
}

export interface KubeconfigSelection {
  cluster: KubeconfigEntry;
  user: KubeconfigEntry;
}

/** Parses kubeconfig text and picks the current context's cluster and user. Throws `KubeconfigError`. */
export function selectKubeconfigContext(text: string): KubeconfigSelection {
  const doc = parseDocument(text, { prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    // The YAML library quotes the offending source, which may be a key: only the line number.
    const line = firstError.linePos?.[0]?.line;
    throw new KubeconfigError('kubeconfig-syntax', `kubeconfig is not valid YAML${line ? ` (line ${line})` : ''}`);
  }
  const root: unknown = doc.toJS();
  if (!isMap(root)) throw new KubeconfigError('kubeconfig-syntax', 'kubeconfig is not a YAML mapping');

  const clusters = namedEntries(root, 'clusters', 'cluster');
  const users = namedEntries(root, 'users', 'user');
  const contexts = namedEntries(root, 'contexts', 'context');
  const current = typeof root['current-context'] === 'string' ? root['current-context'] : '';

  let context: YamlMap | undefined;
  if (current !== '') {
    context = contexts.get(current)?.entry;
    if (!context) throw new KubeconfigError('context-not-found', `kubeconfig current-context "${current}" is not among its contexts`);
  } else if (contexts.size === 1) {
    context = [...contexts.values()][0]!.entry;
  } else if (contexts.size > 1) {
    throw new KubeconfigError('context-not-found', 'kubeconfig has several contexts and no current-context');
  }

  if (!context) {
    // No contexts at all: accept the unambiguous single cluster (and single user, if any).
    if (clusters.size !== 1 || users.size > 1) {
      throw new KubeconfigError('context-not-found', 'kubeconfig has no context');
    }
    return { cluster: [...clusters.values()][0]!, user: [...users.values()][0] ?? { entry: {}, field: '' } };
  }
  const clusterName = stringField(context, 'cluster') ?? '';
  const cluster = clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError('cluster-not-found', `kubeconfig context refers to cluster "${clusterName}", which it does not define`);
  const userName = stringField(context, 'user');
  if (userName === undefined || userName === '') return { cluster, user: { entry: {}, field: '' } };
  const user = users.get(userName);
  if (!user) throw new KubeconfigError('user-not-found', `kubeconfig context refers to user "${userName}", which it does not define`);
  return { cluster, user };
}

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(entry: YamlMap, field: string): string | undefined {
  const value = entry[field];
  return typeof value === 'string' ? value : undefined;
}

/** `clusters: [{name, cluster: {...}}]` → name → inner map and its path. */
function namedEntries(root: YamlMap, listField: string, innerField: string): Map<string, KubeconfigEntry> {
  const result = new Map<string, KubeconfigEntry>();
  const list = root[listField];
  if (list === undefined || list === null) return result;
  if (!Array.isArray(list)) throw new KubeconfigError('kubeconfig-syntax', `kubeconfig ${listField} is not a list`);
  list.forEach((item: unknown, index) => {
    if (!isMap(item) || typeof item['name'] !== 'string') {
      throw new KubeconfigError('kubeconfig-syntax', `kubeconfig ${listField}[${index}] has no name`);
    }
    const inner = item[innerField];
    result.set(item['name'], { entry: isMap(inner) ? inner : {}, field: `${listField}[${index}].${innerField}` });
  });
  return result;
}
