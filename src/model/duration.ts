// Durations as people write them in flags, annotations and helm options: Go's syntax plus days.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 0.000_001, us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000,
};

/**
 * `500ms`, `10s`, `1m30s`, `2h`, `1d`, `5m0s` → milliseconds (rounded); `0` is zero. A bare
 * number other than 0 is not a duration (the unit would be a guess); undefined when unparsable.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = re.lastIndex;
  }
  return end > 0 && end === t.length ? Math.round(total) : undefined;
}
