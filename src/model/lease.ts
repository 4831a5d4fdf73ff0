// What gitset reads and writes of a coordination.k8s.io/v1 Lease (replicas taking shards; the
// port is LeaseStore in ports.ts).

/** Times are RFC 3339; a write against another resourceVersion than the stored one is refused. */
export interface Lease {
  name: string;
  resourceVersion?: string;
  holder?: string;
  durationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  transitions?: number;
}
