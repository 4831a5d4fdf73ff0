// sprig's functions and Sveltos' own, as their documentation describes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/template/compile.ts';
import { runCases, sveltosData, type Case } from './table.ts';

const DEFAULTS: Case[] = [
  ['default replaces an empty value', '{{ "" | default "d" }} {{ "x" | default "d" }} {{ 0 | default 5 }}', 'd x 5'],
  ['default replaces a missing label read with index', '{{ index .Cluster.metadata.labels "zone" | default "none" }}', 'none'],
  ['default does not save a missing field (missingkey=error)', '{{ .Cluster.metadata.labels.zone | default "none" }}', { error: 'missing-key' }],
  ['empty', '{{ empty (list) }} {{ empty 0 }} {{ empty "a" }}', 'true true false'],
  ['coalesce', '{{ coalesce "" 0 "x" "y" }}', 'x'],
  ['ternary', '{{ ternary "y" "n" true }} {{ false | ternary "y" "n" }}', 'y n'],
  ['fail stops rendering with its message', '{{ fail "no region" }}', { error: 'exec', message: 'error calling fail: no region' }],
];

const STRINGS: Case[] = [
  ['case', '{{ upper "aB" }} {{ lower "aB" }} {{ title "hello world-foo it\'s élan" }}', 'AB ab Hello World-Foo It\'S Élan'],
  ['trim family', '[{{ trim "  a  " }}] {{ trimPrefix "v" "v1.2" }} {{ trimSuffix ".yaml" "a.yaml" }} {{ trimAll "-" "--a--" }}', '[a] 1.2 a a'],
  ['replace and contains', '{{ replace "." "-" "a.b.c" }} {{ contains "b" "abc" }} {{ hasPrefix "a" "abc" }} {{ hasSuffix "c" "abc" }}', 'a-b-c true true true'],
  ['quote and squote', '{{ quote "a\\"b" 1 }} {{ squote "a" }}', '"a\\"b" "1" \'a\''],
  ['split and splitList, join', '{{ (split "," "a,b")._1 }} {{ "a,b,c" | splitList "," | join "-" }}', 'b a-b-c'],
  ['indent and nindent', '{{ "a\\nb" | indent 2 }}|{{ "a" | nindent 4 }}', '  a\n  b|\n    a'],
  ['substr and trunc', '{{ substr 1 3 "abcd" }} {{ trunc 2 "abcd" }} {{ trunc -2 "abcd" }}', 'bc ab cd'],
  ['repeat and cat', '{{ repeat 3 "ab" }} {{ cat "a" 1 nil "b" }}', 'ababab a 1 b'],
  ['toString of values', '{{ toString 3 }} {{ toString (list 1) }}', '3 [1]'],
  ['base64 both ways', '{{ "hello" | b64enc }} {{ "aGVsbG8=" | b64dec }}', 'aGVsbG8= hello'],
  ['sha256sum', '{{ sha256sum "abc" }}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['regexMatch and regexFind', '{{ regexMatch "^v[0-9]+" "v12" }} {{ regexFind "[0-9]+" "ab12cd34" }}', 'true 12'],
  ['regexReplaceAll expands ${1}; $1W names a group "1W"', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', '-W-xxW- ---'],
  ['regexReplaceAllLiteral and regexFindAll', '{{ regexReplaceAllLiteral "a(x*)b" "-ab-" "${1}" }} {{ regexFindAll "[0-9]" "a1b2c3" 2 }}', '-${1}- [1 2]'],
];

const LISTS: Case[] = [
  ['first last rest initial', '{{ list 1 2 3 | first }} {{ list 1 2 3 | last }} {{ list 1 2 3 | rest }} {{ list 1 2 3 | initial }}', '1 3 [2 3] [1 2]'],
  ['append prepend concat', '{{ append (list 1 2) 3 }} {{ prepend (list 1 2) 0 }} {{ concat (list 1) (list 2 3) }}', '[1 2 3] [0 1 2] [1 2 3]'],
  ['uniq has without', '{{ uniq (list 1 2 1 2) }} {{ has 2 (list 1 2) }} {{ without (list 1 2 3) 2 }}', '[1 2] true [1 3]'],
  ['sortAlpha and reverse', '{{ list "b" "a" "c" | sortAlpha }} {{ list 1 2 3 | reverse }}', '[a b c] [3 2 1]'],
  ['slice is sprig\'s', '{{ slice (list 1 2 3 4) 1 3 }} {{ slice (list 1 2 3) 1 }}', '[2 3] [2 3]'],
  ['until untilStep seq', '{{ until 3 }} {{ untilStep 0 10 4 }} {{ seq 3 }} {{ seq 5 -1 2 }}', '[0 1 2] [0 4 8] 1 2 3 5 4 3 2'],
  ['first of a string is an error', '{{ first "abc" }}', { error: 'exec', message: 'Cannot find first on type string' }],
];

const DICTS: Case[] = [
  ['set unset hasKey get', '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $_ := unset $d "a" }}{{ $d }} {{ hasKey $d "b" }} {{ get $d "zz" | quote }}', 'map[b:2] true ""'],
  ['keys values pluck', '{{ keys (dict "b" 1 "a" 2) | sortAlpha }} {{ values (dict "b" 1 "a" 2) }} {{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }}', '[a b] [2 1] [1 3]'],
  ['merge keeps the destination values, deeply', '{{ merge (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "x" 9 "y" 2)) }}', 'map[a:1 b:3 n:map[x:1 y:2]]'],
  ['mergeOverwrite takes the source values, deeply', '{{ mergeOverwrite (dict "a" 1 "k" true "n" (dict "x" 1)) (dict "a" 2 "k" false "n" (dict "y" 2)) }}', 'map[a:2 k:false n:map[x:1 y:2]]'],
  ['deepCopy is independent of its source', '{{ $a := dict "n" (dict "x" 1) }}{{ $b := deepCopy $a }}{{ $_ := set $b.n "x" 2 }}{{ $a.n.x }}{{ $b.n.x }}', '12'],
  ['dig', '{{ dig "metadata" "name" "none" .Cluster }} {{ dig "metadata" "zone" "none" .Cluster }}', 'cluster1 none'],
];

const CONVERSIONS: Case[] = [
  ['integer arithmetic', '{{ add 1 2 3 }} {{ sub 5 7 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }} {{ add1 1 }}', '6 -2 24 3 1 2'],
  ['max and min', '{{ max 1 5 3 }} {{ min 4 2 8 }}', '5 2'],
  ['arithmetic converts strings and truncates floats', '{{ add "3" 4 }} {{ int "12" }} {{ int64 3.9 }} {{ float64 "1.5" }}', '7 12 3 1.5'],
  ['division by zero', '{{ div 1 0 }}', { error: 'exec', message: 'integer divide by zero' }],
  ['toJson sorts keys and escapes HTML', '{{ dict "b" "<&>" "a" (list 1 1.5 nil true) | toJson }}', '{"a":[1,1.5,null,true],"b":"\\u003c\\u0026\\u003e"}'],
  ['toPrettyJson', '{{ dict "a" (list 1) | toPrettyJson }}', '{\n  "a": [\n    1\n  ]\n}'],
  ['fromJson', '{{ (fromJson "{\\"a\\":{\\"b\\":2}}").a.b }}', '2'],
  ['fromJson of something else puts the error in Error', '{{ hasKey (fromJson "[1]") "Error" }}', 'true'],
  ['toYaml sorts keys and does not indent sequences', '{{ dict "b" (list 1 2) "a" "x" | toYaml }}', 'a: x\nb:\n- 1\n- 2'],
  ['toYaml quotes strings as go-yaml does', '{{ dict "a" "true" "b" "1.5" "c" "" "d" "x: y" "e" "yes" | toYaml }}', 'a: "true"\nb: "1.5"\nc: ""\nd: \'x: y\'\ne: "yes"'],
  ['fromYaml and fromYamlArray', '{{ (fromYaml "a:\\n  b: [1, 2]").a.b }} {{ fromYamlArray "- a\\n- b" }}', '[1 2] [a b]'],
  ['typeOf and kindOf', '{{ typeOf 1 }} {{ typeOf "a" }} {{ kindOf (list) }} {{ kindOf (dict) }}', 'int string slice map'],
];

const UNSUPPORTED: Case[] = [
  ['now is not repeatable: a clear error', '{{ now }}', { error: 'unsupported', message: 'now is not supported by gitset' }],
  ['an unsupported function only fails when it runs', '{{ if false }}{{ uuidv4 }}{{ end }}ok', 'ok'],
  ['toToml', '{{ toToml (dict) }}', { error: 'unsupported', message: 'toToml is not supported by gitset' }],
];

const SVELTOS: Case[] = [
  ['getResource gives a templateResourceRefs object', '{{ (getResource "ConfigData").data.values }}', 'a: 1'],
  ['getResource of an unknown identifier is an empty map', '{{ (getResource "Nope").data }}', { error: 'missing-key', message: 'map has no entry for key "data"' }],
  ['copy is the object as YAML', '{{ copy "ConfigData" }}', 'apiVersion: v1\ndata:\n  values: \'a: 1\'\nkind: ConfigMap\nmetadata:\n  name: cluster1'],
  ['getField', '{{ getField "ConfigData" "data.values" }}|{{ getField "ConfigData" "data.nope" }}|', 'a: 1||'],
  ['setField returns the changed object', '{{ setField "ConfigData" "data.values" "b" }}', 'apiVersion: v1\ndata:\n  values: b\nkind: ConfigMap\nmetadata:\n  name: cluster1'],
  ['removeField, and later calls see the change', '{{ $_ := removeField "ConfigData" "data" }}{{ toJson (getResource "ConfigData") }}', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cluster1"}}'],
  ['chainSetField and chainRemoveField', '{{ chainSetField (getResource "ConfigData") "data.x" "y" | toJson }} {{ chainRemoveField (getResource "ConfigData") "data" | toJson }}', '{"apiVersion":"v1","data":{"values":"a: 1","x":"y"},"kind":"ConfigMap","metadata":{"name":"cluster1"}} {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cluster1"}}'],
];

runCases('defaults', DEFAULTS);
runCases('strings', STRINGS);
runCases('lists', LISTS);
runCases('dicts', DICTS);
runCases('conversions', CONVERSIONS);
runCases('unsupported', UNSUPPORTED);
runCases('sveltos', SVELTOS);

test('functions that change maps work on a private copy: the data is untouched', () => {
  const data = sveltosData();
  const t = compile('{{ $_ := set .Cluster.metadata "name" "x" }}{{ $_ := setField "ConfigData" "data.values" "b" }}{{ .Cluster.metadata.name }}');
  assert.equal(t.execute(data), 'x');
  assert.equal(t.execute(data), 'x');
  assert.equal(compile('{{ .Cluster.metadata.name }} {{ getField "ConfigData" "data.values" }}').execute(data), 'cluster1 a: 1');
});

test('a "__proto__" key is an ordinary entry: no template reaches a prototype', () => {
  const data = sveltosData();
  assert.equal(compile('{{ $d := dict "__proto__" 1 }}{{ $_ := set $d "x" 2 }}{{ $d }} {{ keys $d }}').execute(data), 'map[__proto__:1 x:2] [__proto__ x]');
  assert.equal(compile('{{ $_ := removeField "ConfigData" "__proto__.toString" }}{{ $_ := setField "ConfigData" "__proto__.polluted" "y" }}{{ getField "ConfigData" "__proto__.polluted" }}').execute(data), 'y');
  assert.equal(typeof Object.prototype.toString, 'function');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.throws(() => compile('{{ .Cluster.__proto__ }}').execute(data), /map has no entry for key "__proto__"/);
});

runCases('semverCompare', [
  ['exact and comparison operators', '{{ semverCompare "1.2.3" "1.2.3" }} {{ semverCompare ">1.2.3" "1.2.4" }} {{ semverCompare "<=1.2.3" "1.2.4" }} {{ semverCompare "!=1.2.3" "1.2.4" }}', 'true true false true'],
  ['wildcards', '{{ semverCompare "1.2.x" "1.2.9" }} {{ semverCompare "1.2.x" "1.3.0" }} {{ semverCompare "*" "4.0.0" }} {{ semverCompare ">1.2" "1.2.9" }} {{ semverCompare ">1.2" "1.3.0" }}', 'true false true false true'],
  ['tilde and caret ranges', '{{ semverCompare "~1.2.3" "1.2.9" }} {{ semverCompare "~1.2.3" "1.3.0" }} {{ semverCompare "^1.2.3" "1.9.0" }} {{ semverCompare "^1.2.3" "2.0.0" }} {{ semverCompare "^0.2.3" "0.2.9" }} {{ semverCompare "^0.2.3" "0.3.0" }}', 'true false true false true false'],
  ['and within a group, or between groups, hyphen ranges', '{{ semverCompare ">=1.2, <1.4" "1.3.1" }} {{ semverCompare ">= 1.2 < 1.4" "1.4.0" }} {{ semverCompare "<1.0 || >=2.0" "2.1.0" }} {{ semverCompare "1.2 - 1.4.5" "1.4.5" }}', 'true false true true'],
  ['a prerelease needs a prerelease constraint', '{{ semverCompare ">=1.21" "1.22.0-eks-1" }} {{ semverCompare ">=1.21-0" "1.22.0-eks-1" }} {{ semverCompare ">=1.21-0" "v1.22.3+k3s1" }}', 'false true true'],
  ['an invalid version', '{{ semverCompare ">1" "abc" }}', { error: 'exec', message: 'Invalid Semantic Version' }],
  ['an invalid constraint', '{{ semverCompare "?1" "1.0.0" }}', { error: 'exec', message: 'improper constraint' }],
]);
