// Go text/template syntax: text and trim markers, comments, literals, variables and their
// scopes, control structures, define/template/block, and parse errors with their offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/template/compile.ts';
import { lineCol, TemplateError } from '../../src/template/errors.ts';
import { runCases, type Case } from './table.ts';

const parseError = (message: string) => ({ error: 'parse' as const, message });

const TEXT: Case[] = [
  ['text without actions is copied', 'plain: text\n', 'plain: text\n'],
  ['{{- and -}} trim the whitespace around', 'a \n {{- "b" -}} \n c', 'abc'],
  ['a minus without a space is a number', '{{-3}}', '-3'],
  ['only the marked side is trimmed', 'a {{ "b" -}}  c', 'a bc'],
  ['a comment prints nothing', 'a{{/* note */}}b', 'ab'],
  ['a comment with trim markers', 'a  {{- /* note */ -}}  b', 'ab'],
  ['a comment must end at the delimiter', '{{/* note */ }}', parseError('comment ends before closing delimiter')],
  ['an unclosed comment', 'a {{/* note', parseError('unclosed comment')],
  ['an unclosed action', 'x {{ .Cluster', parseError('unclosed action')],
  ['actions may span lines', '{{ print\n  "a" }}', 'a'],
];

const LITERALS: Case[] = [
  ['interpreted strings take Go escapes', '{{ "a\\tb\\u00e9" }}', 'a\tbé'],
  ['raw strings keep backslashes', '{{ `a\\nb` }}', 'a\\nb'],
  ['a character constant is its code point', "{{ 'a' }}", '97'],
  ['hex, octal and underscores', '{{ 0x1F }} {{ 017 }} {{ 1_000 }}', '31 15 1000'],
  ['floats print as Go prints float64', '{{ 1.5 }} {{ 2.5e-7 }} {{ 1234567.5 }}', '1.5 2.5e-07 1.2345675e+06'],
  ['booleans', '{{ true }} {{ false }}', 'true false'],
  ['Go number syntax (exec_test.go)', '{{ print 0b_1_0_1 0O377 0X123ABC 0_0_1_2_3.4 +0x1.ep+2 }}', '5 255 1194684 123.4 7.5'],
  ['a constant is not a function', '{{ 3 2 }}', { error: 'exec', message: "can't give argument to non-function 3" }],
  ['a function result starts a field chain', '{{ (dict "three" 3).three }}-{{ (list 1 2 | dict "k").k }}', '3-[1 2]'],
  ['nil is not a command', '{{ nil }}', { error: 'exec', message: 'nil is not a command' }],
  ['an unterminated string', '{{ "abc }}', parseError('unterminated quoted string')],
  ['a bad number', '{{ 3x }}', parseError('bad number syntax')],
];

const VARIABLES: Case[] = [
  ['declare and use', '{{ $x := "v" }}{{ $x }}', 'v'],
  ['a declaration prints nothing; an assignment changes it', '{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', '2'],
  ['an undeclared variable is a parse error', '{{ $y }}', parseError('undefined variable "$y"')],
  ['a variable ends with its control structure', '{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}', parseError('undefined variable "$x"')],
  ['assignment inside a block changes the outer variable', '{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', '2'],
  ['$ is the data, also inside range', '{{ range list 1 2 }}{{ $.Cluster.metadata.name }}{{ end }}', 'cluster1cluster1'],
  ['with declares a variable and sets dot', '{{ with $x := "a" }}{{ $x }}{{ . }}{{ end }}', 'aa'],
  ['only range takes two variables', '{{ $a, $b := list 1 }}', parseError('too many declarations in command')],
];

const CONTROL: Case[] = [
  ['if takes the else branch on an empty string', '{{ if "" }}a{{ else }}b{{ end }}', 'b'],
  ['zero values are false', '{{ if 0 }}1{{ end }}{{ if list }}2{{ end }}{{ if dict }}3{{ end }}{{ if false }}4{{ end }}-', '-'],
  ['nil cannot be tested', '{{ if nil }}x{{ end }}', { error: 'exec', message: 'nil is not a command' }],
  ['non-empty values are true', '{{ if 1 }}1{{ end }}{{ if list 0 }}2{{ end }}{{ if .Cluster.metadata.labels }}3{{ end }}', '123'],
  ['else if chains', '{{ if eq 1 2 }}a{{ else if eq 1 1 }}b{{ else }}c{{ end }}', 'b'],
  ['with sets dot', '{{ with .Cluster.metadata }}{{ .name }}{{ end }}', 'cluster1'],
  ['with on an empty value takes else', '{{ with "" }}x{{ else }}y{{ end }}', 'y'],
  ['else with', '{{ with "" }}x{{ else with "z" }}{{ . }}{{ end }}', 'z'],
  ['range over a list with index and element', '{{ range $i, $c := .Cluster.spec.clusterNetwork.pods.cidrBlocks }}{{ $i }}={{ $c }};{{ end }}', '0=192.168.0.0/16;1=10.244.0.0/16;'],
  ['range over a map goes in key order', '{{ range $k, $v := dict "b" 2 "a" 1 }}{{ $k }}{{ $v }}{{ end }}', 'a1b2'],
  ['one range variable is the element', '{{ range $v := dict "b" 2 "a" 1 }}{{ $v }}{{ end }}', '12'],
  ['range sets dot to the element', '{{ range list "a" "b" }}[{{ . }}]{{ end }}', '[a][b]'],
  ['range over nothing takes else', '{{ range list }}x{{ else }}empty{{ end }}', 'empty'],
  ['range over a missing value takes else', '{{ range index .Cluster.metadata.labels "zone" }}x{{ else }}none{{ end }}', 'none'],
  ['break and continue', '{{ range until 6 }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}', '023'],
  ['range over an integer', '{{ range 3 }}{{ . }}{{ end }}', '012'],
  ['range cannot iterate a string', '{{ range "abc" }}{{ end }}', { error: 'exec', message: "range can't iterate over abc" }],
  ['break outside range', '{{ break }}', parseError('{{break}} outside {{range}}')],
  ['if without a pipeline', '{{ if }}x{{ end }}', parseError('missing value for if')],
  ['end without a control structure', 'x{{ end }}', parseError('unexpected {{end}}')],
  ['a control structure without end', '{{ if true }}x', parseError('unexpected EOF')],
];

const TEMPLATES: Case[] = [
  ['define and template with a dot', '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" "hi" }}', '[hi]'],
  ['template without a pipeline has no dot', '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" }}', '[<no value>]'],
  ['templates do not see the caller variables', '{{ $x := 1 }}{{ define "t" }}{{ $x }}{{ end }}', parseError('undefined variable "$x"')],
  ['block defines and runs', '{{ block "b" "v" }}<{{ . }}>{{ end }}', '<v>'],
  ['an undefined template', '{{ template "nope" }}', { error: 'exec', message: 'template "nope" not defined' }],
  ['runaway recursion stops', '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" 1 }}', { error: 'exec', message: 'exceeded maximum template depth' }],
  ['a template defined twice', '{{ define "t" }}a{{ end }}{{ define "t" }}b{{ end }}', parseError('multiple definition of template "t"')],
  ['define only at top level', '{{ if true }}{{ define "t" }}{{ end }}{{ end }}', parseError('unexpected <define>')],
];

const PIPELINES: Case[] = [
  ['the previous value is the last argument', '{{ "x" | printf "%s-%s" "a" }}', 'a-x'],
  ['parenthesized pipelines and chains on them', '{{ (dict "a" (dict "b" 1)).a.b }} {{ (len "abc") }}', '1 3'],
  ['a constant cannot be a later stage', '{{ 1 | 2 }}', parseError('non executable command in pipeline stage 2')],
  ['no field on a literal', '{{ "x".y }}', parseError('unexpected . after term')],
  ['an unknown function fails at parse time', '{{ if false }}{{ nope }}{{ end }}', parseError('function "nope" not defined')],
  ['helm\'s required is not a Sveltos function', '{{ required "x" .Cluster }}', parseError('function "required" not defined')],
  ['a function with too few arguments', '{{ upper }}', { error: 'exec', message: 'wrong number of args for upper: want 1 got 0' }],
  ['a literal of the wrong type', '{{ upper 3 }}', { error: 'exec', message: 'expected string; found 3' }],
  ['a value of the wrong type', '{{ upper .Cluster.spec.controlPlaneEndpoint.port }}', { error: 'exec', message: 'wrong type for value; expected string; got int' }],
  ['a field given arguments', '{{ .Cluster.metadata.name 1 }}', { error: 'exec', message: 'name is not a method but has arguments' }],
];

runCases('text', TEXT);
runCases('literals', LITERALS);
runCases('variables', VARIABLES);
runCases('control', CONTROL);
runCases('templates', TEMPLATES);
runCases('pipelines', PIPELINES);

test('a parse error carries the offset of the failing token, and lineCol turns it into a position', () => {
  const text = 'a: 1\nb: {{ .x | nope }}\n';
  assert.throws(() => compile(text), (e: unknown) => {
    assert.ok(e instanceof TemplateError && e.kind === 'parse');
    assert.deepEqual(lineCol(text, e.offset), { line: 2, col: 12 });
    return true;
  });
});

test('a template reads its data only through ., fields, $ or a data function', () => {
  const reads = (t: string) => compile(t).readsData;
  assert.equal(reads('replicas: 2'), false);
  assert.equal(reads('{{ "x" | upper }}{{ $v := 1 }}{{ $v }}'), false);
  assert.equal(reads('{{ range list 1 2 }}{{ . }}{{ end }}'), false, 'dot inside a constant range is not the data');
  assert.equal(reads('{{ template "t" "c" }}{{ define "t" }}x{{ end }}'), false);
  assert.equal(reads('{{ .Cluster.metadata.name }}'), true);
  assert.equal(reads('{{ range list 1 }}{{ $.Cluster }}{{ end }}'), true);
  assert.equal(reads('{{ getResource "x" }}'), true);
  assert.equal(reads('{{ with .Cluster }}{{ end }}'), true);
  assert.equal(reads('{{ define "t" }}{{ . }}{{ end }}'), true, 'a defined template may be given the data');
});

test('hostile nesting and runaway output end in errors, not in a crashed process', () => {
  const deepParens = `{{ ${'('.repeat(5000)}1${')'.repeat(5000)} }}`;
  const deepIfs = `${'{{ if true }}'.repeat(5000)}x${'{{ end }}'.repeat(5000)}`;
  for (const text of [deepParens, deepIfs]) {
    assert.throws(() => compile(text), (e: unknown) => e instanceof TemplateError && e.kind === 'parse' && /max expression depth exceeded/.test(e.message));
  }
  assert.equal(compile(`{{ ${'('.repeat(400)}1${')'.repeat(400)} }}`).execute({}), '1');
  assert.equal(compile(`${'{{ if true }}'.repeat(400)}x${'{{ end }}'.repeat(400)}`).execute({}), 'x');
  assert.throws(() => compile('{{ range until 1000000000 }}{{ end }}').execute({}), (e: unknown) => e instanceof TemplateError && e.kind === 'exec');
  assert.throws(() => compile('{{ range until 1000000 }}{{ repeat 100 "x" }}{{ end }}').execute({}), (e: unknown) => e instanceof TemplateError && /output exceeds 16 MiB/.test(e.message));
});
