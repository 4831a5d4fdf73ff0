// The simulated API server's log of the requests it received, for tests to assert what real
// clients sent (method, path, content type, user agent) and in what order across clusters.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestRecord {
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/x/secrets?labelSelector=owner%3Dhelm`. */
  path: string;
  /** Status code answered; 0 when the request was never answered (hang, stop). */
  status: number;
  contentType?: string;
  userAgent?: string;
  /** When the request arrived and when its answer was sent (epoch ms), to order events across clusters. */
  at: number;
  finishedAt?: number;
}

const REQUEST_LOG_SIZE = 5000;

export class RequestLog {
  private readonly log: RequestRecord[] = [];
  private total = 0;

  /** Notes a request as it arrives; its status and end time are filled in when the answer is sent. */
  record(req: IncomingMessage, res: ServerResponse): void {
    this.total++;
    const entry: RequestRecord = {
      method: req.method ?? '',
      path: req.url ?? '',
      status: 0,
      contentType: req.headers['content-type'],
      userAgent: req.headers['user-agent'],
      at: Date.now(),
    };
    this.log.push(entry);
    if (this.log.length > REQUEST_LOG_SIZE) this.log.shift();
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.finishedAt = Date.now();
    });
  }

  /** The last requests (up to 5000), oldest first. */
  list(): readonly RequestRecord[] {
    return [...this.log];
  }

  /** How many requests arrived since start-up (or the last `clear`). */
  count(): number {
    return this.total;
  }

  clear(): void {
    this.log.length = 0;
    this.total = 0;
  }
}
