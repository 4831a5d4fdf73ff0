// HTTP plumbing shared by the simulated API server's handlers: JSON answers, Kubernetes
// `Status` errors shaped like the real ones, and request bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from './apiserver-discovery.ts';
import { PatchError } from './apiserver-patch.ts';
import { SelectorError } from './apiserver-select.ts';
import { StoreError } from './apiserver-store.ts';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Unknown';

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Expired: 410,
  UnsupportedMediaType: 415,
  Invalid: 422,
  InternalError: 500,
  ServiceUnavailable: 503,
  Unknown: 500,
};

/** An error a handler throws to answer with a Kubernetes Status. */
export class ApiError extends Error {
  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string },
    readonly code: number = CODES[reason],
  ) {
    super(message);
  }
}

export function reasonForCode(code: number): StatusReason {
  const found = (Object.keys(CODES) as StatusReason[]).find((r) => CODES[r] === code);
  return found ?? 'Unknown';
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function statusBody(err: ApiError): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    ...(err.details ? { details: err.details } : {}),
    code: err.code,
  };
}

export function sendStatus(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, statusBody(err));
}

export function successStatus(details: object): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

/** Reads a request body, bounded (release Secrets of big charts reach a few MB, not more). */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError('BadRequest', `request entity too large: limit is ${limit}`, undefined, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Translates storage errors into the Status the real server would answer. */
export function asApiError(err: unknown, rt: ResourceType, name?: string): unknown {
  const details = { name, group: rt.group || undefined, kind: rt.resource };
  if (err instanceof StoreError) {
    switch (err.code) {
      case 'NotFound':
      case 'AlreadyExists':
      case 'Conflict':
      case 'Invalid':
      case 'Expired':
        return new ApiError(err.code, err.message, details);
      default: {
        const never: never = err.code;
        return never;
      }
    }
  }
  if (err instanceof PatchError || err instanceof SelectorError || err instanceof SyntaxError) {
    return new ApiError('BadRequest', err.message, details);
  }
  return err;
}
