// `gitset plan --format markdown` as a pull-request comment: a summary first, sections folded, and
// never over the size a comment takes, saying exactly what was left out.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFleet, writeFleet } from '../../bench/generate.ts';
import { fairShares, MARKDOWN_LIMIT, planMarkdown, planSections } from '../../src/cli/plan-markdown.ts';
import { thousands } from '../../src/cli/plan-cells.ts';
import { markdownCode, markdownText } from '../../src/model/escape.ts';
import type { PlanReport } from '../../src/plan/report.ts';
import { runCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gitset-plan-markdown-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function report(n: { actions: number; sets: number; changes: number }): PlanReport {
  const cluster = (i: number) => `team-${i % 7}/prod-eu-west-1-${String(i).padStart(6, '0')}`;
  return {
    sets: Array.from({ length: n.sets }, (_, i) => ({
      kind: 'ClusterSet', namespace: null, name: `cs-${i}`, maxReplicas: 2,
      matching: [cluster(i), cluster(i + 1), cluster(i + 2)], selected: [cluster(i), cluster(i + 1)],
      notSelected: [{ cluster: cluster(i + 2), reason: 'over-cap', message: 'over cap (maxReplicas 2)' }],
    })) as PlanReport['sets'],
    profiles: [{ kind: 'ClusterProfile', namespace: null, name: 'web', matchingClusters: [], errors: ['setRefs: ClusterSet/gone does not exist'], unsupported: [], conflicts: [] }],
    actions: Array.from({ length: n.actions }, (_, i) => ({
      action: i % 3 === 0 ? ('upgrade' as const) : ('install' as const), cluster: cluster(i), profile: `ClusterProfile/web-${i % 11}`,
      releaseNamespace: 'web', releaseName: `web-${i % 11}`, chart: 'acme/web', version: '1.2.3', reason: 'not installed',
    })),
    notRun: [],
    unhealthy: [],
    held: [],
    changes: Array.from({ length: n.changes }, (_, i) => `ClusterSet/cs-${i} selected ${cluster(i)}`),
    diagnostics: [
      { file: 'sets/a.yaml', line: 3, col: 1, severity: 'warning', code: 'max-replicas-zero', message: 'ClusterSet/a: maxReplicas is 0' },
      { file: 'profiles/web.yaml', line: 9, col: 5, severity: 'error', code: 'dangling-set-ref', message: 'ClusterProfile/web: setRefs names ClusterSet/gone, which does not exist' },
    ],
  };
}

/** The "N of M things" the summary says were cut, by noun. */
function cutInSummary(md: string): Map<string, { left: number; total: number }> {
  const line = md.split('\n').find((l) => l.startsWith('> Cut to fit a comment:')) ?? '';
  return new Map([...line.matchAll(/([\d,]+) of ([\d,]+) (\w+)/g)].map((m) => [m[3]!, { left: Number(m[1]!.replace(/,/g, '')), total: Number(m[2]!.replace(/,/g, '')) }]));
}

describe('plan markdown', () => {
  test('a small plan: summary first, every section whole and unfolded, nothing cut', () => {
    const md = planMarkdown(report({ actions: 3, sets: 2, changes: 1 }), { clusters: 12 });
    assert.match(md, /^### gitset plan\n\n\*\*2 installs, 1 upgrade, 0 uninstalls\*\* · \*\*1 error\*\*, 1 warning\n\n12 clusters, 2 sets, 1 profile; 1 selection or health change\n\n<details open>/);
    assert.doesNotMatch(md, /Cut to fit|not shown/);
    assert.equal(md.match(/^\| \*\*(install|upgrade)\*\* \|/gm)?.length, 3);
    assert.ok(md.indexOf('Errors and warnings') < md.indexOf('<b>Actions</b>'), 'errors come before everything else');
    assert.equal((md.match(/<details/g) ?? []).length, (md.match(/<\/details>/g) ?? []).length);
  });

  test('a large plan stays under the limit; each section keeps rows and says exactly how many it leaves out', () => {
    const r = report({ actions: 2_000, sets: 400, changes: 300 });
    for (const limit of [3_000, 8_000, 20_000, MARKDOWN_LIMIT]) {
      const md = planMarkdown(r, { clusters: 3_000, limit });
      assert.ok(bytes(md) <= limit, `${bytes(md)} bytes over ${limit}`);
      const cut = cutInSummary(md);
      const shown = {
        actions: md.match(/^\| \*\*(install|upgrade)\*\* \|/gm)?.length ?? 0,
        sets: md.match(/^\| `ClusterSet\/cs-\d+` \|/gm)?.length ?? 0,
        changes: md.match(/^- ClusterSet\/cs-\d+ selected/gm)?.length ?? 0,
      };
      for (const [noun, total] of [['actions', 2_000], ['sets', 400], ['changes', 300]] as const) {
        assert.ok(shown[noun] > 0, `${noun} keep a share at ${limit}`);
        const left = total - shown[noun];
        assert.deepEqual(cut.get(noun), left > 0 ? { left, total } : undefined, `${noun} at ${limit}`);
        assert.equal(md.includes(`_… ${left.toLocaleString('en-US')} more ${noun} not shown; run \`gitset plan\` locally for the full plan._`), left > 0, `${noun} note at ${limit}`);
      }
      assert.ok(cut.has('actions'), `the actions are cut at ${limit}`);
      assert.match(md, /- `profiles\/web\.yaml:9:5` error: ClusterProfile\/web/, 'the error is never cut');
      assert.match(md, /<details open><summary><b>Errors and warnings<\/b> \(2\)<\/summary>/);
    }
  });

  test('counts have thousands separators as en-US writes them, 0 to beyond a billion', () => {
    assert.deepEqual([0, 7, 999, 1000, 81792, 1234567].map(thousands), ['0', '7', '999', '1,000', '81,792', '1,234,567']);
    fc.assert(fc.property(fc.nat({ max: 2 ** 40 }), (n) => thousands(n) === n.toLocaleString('en-US')));
  });

  test('fair shares: small sections whole, the rest split evenly, no section over the budget', () => {
    const rows = (n: number, size: number) => ({ count: n, size: () => size });
    const kept = fairShares([{ head: '', ...rows(1_000, 10) }, { head: '', ...rows(3, 10) }, { head: '', ...rows(1_000, 10) }], 1_030);
    assert.deepEqual(kept, [50, 3, 50]);
    assert.deepEqual(fairShares([{ head: 'h'.repeat(100), ...rows(5, 10) }], 50), [0], 'a header that does not fit shows no row');
  });

  test('fair shares: a floor under a section\'s size changes nothing, whether it settles the order or not', () => {
    const section = fc.record({ head: fc.string({ maxLength: 5 }), sizes: fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }), floorPart: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(section, { minLength: 1, maxLength: 5 }), fc.nat({ max: 3 }), fc.integer({ min: -10, max: 3_000 }), (specs, floored, budget) => {
        const exact = specs.map((s) => ({ head: s.head, count: s.sizes.length, size: (i: number) => s.sizes[i]! }));
        // One section (or none, when `floored` is past the end) has a floor somewhere under its rows' total.
        const withFloor = exact.map((s, i) => (i === floored ? { ...s, floor: Math.floor(specs[i]!.sizes.reduce((a, b) => a + b, 0) * specs[i]!.floorPart) } : s));
        assert.deepEqual(fairShares(withFloor, budget), fairShares(exact, budget));
      }),
      { numRuns: 2_000 },
    );
  });

  test('rows measure what they print, hostile names included; an action row is its escaped cells', () => {
    const hostile = fc.oneof(fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('a|b', '`x``', ' pad ', '\uD800', '\uDC00z', 'é€😀', 'line\n\u001b[2J', '*_[x](y)<b>'));
    const action = fc.record({ action: fc.constantFrom('install' as const, 'upgrade' as const), cluster: hostile, profile: hostile, releaseNamespace: hostile, releaseName: hostile, chart: hostile, version: hostile, reason: hostile });
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), fc.array(hostile, { maxLength: 5 }), (actions, changes) => {
        const r = { ...report({ actions: 0, sets: 2, changes: 0 }), actions, changes };
        for (const s of planSections(r)) {
          let all = 0;
          for (let i = 0; i < s.count; i++) {
            assert.equal(s.size(i), bytes(s.row(i)), `${s.title} row ${i}`);
            all += s.size(i);
          }
          assert.ok((s.floor ?? 0) <= all, `${s.title}: floor ${s.floor} over ${all}`);
        }
        const table = planSections(r).find((s) => s.title === 'Actions')!;
        const cell = (x: string) => markdownText(x);
        actions.forEach((a, i) => {
          const profile = markdownCode(a.profile).replace(/\|/g, '\\|');
          assert.equal(table.row(i), `| **${cell(a.action)}** | ${cell(a.cluster)} | ${cell(`${a.releaseNamespace}/${a.releaseName}`)} | ${cell(a.chart)} | ${cell(a.version)} | ${profile} | ${cell(a.reason)} |\n`);
        });
      }),
      { numRuns: 300 },
    );
  });

  test('a generated 1,000-cluster fleet: under 60,000 bytes, and the counts on top are the whole plan', async () => {
    const dir = join(tmp, 'fleet');
    writeFleet(dir, generateFleet({ clusters: 1_000, sets: 300, profiles: 300, seed: 42 }));
    const md = await runCli(['plan', '.', '--format', 'markdown'], { cwd: dir });
    assert.equal(md.code, 0, md.err);
    assert.ok(bytes(md.out) <= MARKDOWN_LIMIT, `${bytes(md.out)} bytes`);
    const json = JSON.parse((await runCli(['plan', '.', '--format', 'json'], { cwd: dir })).out) as PlanReport;
    const installs = json.actions.filter((a) => a.action === 'install').length;
    assert.ok(bytes(md.out) < installs * 100, 'the plan is far larger than the comment');
    assert.ok(md.out.includes(`**${installs.toLocaleString('en-US')} installs, 0 upgrades, 0 uninstalls`), md.out.slice(0, 300));
    assert.ok(md.out.includes(`1,000 clusters, 300 sets, 300 profiles; ${json.changes.length} selection or health changes`), md.out.slice(0, 300));
    assert.deepEqual(cutInSummary(md.out).get('actions')?.total, json.actions.length);
  });
});
