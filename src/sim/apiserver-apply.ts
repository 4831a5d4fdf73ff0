// What server-side apply records in `metadata.managedFields`: one `Apply` entry per field
// manager with the fields it applied (FieldsV1: `{"f:data":{"f:one":{}}}`). The entry is
// also what the next apply by that manager compares against, to remove the fields it no
// longer applies. Simplified: lists are owned whole (atomic), other writers' `Update`
// entries are not recorded (the server keeps managedFields across every other write), and
// conflicts between managers are never reported: every apply behaves as with --force-conflicts.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Identity and server-owned fields, which no manager owns. */
const UNOWNED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields']);

function fieldSet(value: Json): JsonObject {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [`f:${k}`, fieldSet(v)]));
}

/** The FieldsV1 set of an applied configuration. */
export function fieldsOf(config: Record<string, unknown>): JsonObject {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = config as JsonObject;
  const meta = isObject(metadata) ? Object.fromEntries(Object.entries(metadata).filter(([k]) => !UNOWNED_METADATA.has(k))) : {};
  return fieldSet(Object.keys(meta).length > 0 ? { ...rest, metadata: meta } : rest);
}

/** A FieldsV1 set back as the shape of the configuration it came from (leaves are `{}`). */
export function shapeOf(fields: JsonObject): JsonObject {
  const shape: JsonObject = {};
  for (const [k, v] of Object.entries(fields)) if (k.startsWith('f:') && isObject(v)) shape[k.slice(2)] = shapeOf(v);
  return shape;
}

export function managedFieldsOf(metadata: Record<string, unknown>): ManagedFieldsEntry[] {
  return Array.isArray(metadata.managedFields) ? (metadata.managedFields as ManagedFieldsEntry[]) : [];
}

/** What `manager` applied last time, as a configuration shape; undefined when it never applied. */
export function previousApply(entries: readonly ManagedFieldsEntry[], manager: string): JsonObject | undefined {
  const entry = entries.find((e) => e.manager === manager && e.operation === 'Apply' && e.subresource === undefined);
  return entry && shapeOf(entry.fieldsV1);
}

/**
 * The entries after `manager` applied `config`. An unchanged field set keeps its entry (and
 * time), so that applying the same configuration again is a no-op write, as on a real server.
 */
export function recordApply(entries: readonly ManagedFieldsEntry[], manager: string, apiVersion: string, config: Record<string, unknown>, now: Date): ManagedFieldsEntry[] {
  const fieldsV1 = fieldsOf(config);
  const old = entries.find((e) => e.manager === manager && e.operation === 'Apply' && e.subresource === undefined);
  const others = entries.filter((e) => e !== old);
  if (old && old.apiVersion === apiVersion && JSON.stringify(old.fieldsV1) === JSON.stringify(fieldsV1)) return [...entries];
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [...others, { manager, operation: 'Apply', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1 }];
}
