// Go's field access with missingkey=error, printing of values, truth, comparisons and the
// printing builtins, as text/template documents them.
import { runCases, type Case } from './table.ts';

const FIELDS: Case[] = [
  ['a field chain on maps', '{{ .Cluster.metadata.name }}/{{ .Cluster.spec.controlPlaneEndpoint.port }}', 'cluster1/6443'],
  ['a missing key is an error (missingkey=error)', '{{ .Cluster.metadata.labels.zone }}', { error: 'missing-key', message: 'map has no entry for key "zone"' }],
  ['the error names the field chain', '{{ .Cluster.spec.nope.x }}', { error: 'missing-key', message: 'at <.Cluster.spec.nope.x>' }],
  ['an unknown field of the data struct', '{{ .Nope }}', { error: 'exec', message: "can't evaluate field Nope in type *controllers.currentClusterObjects" }],
  ['a field of a string', '{{ .Cluster.metadata.name.x }}', { error: 'exec', message: "can't evaluate field x in type string" }],
  ['a null value prints <no value>', '{{ .Cluster.spec.nothing }}', '<no value>'],
  ['a field of a null value', '{{ .Cluster.spec.nothing.x }}', { error: 'exec', message: 'nil pointer evaluating interface {}.x' }],
  ['a field of a variable holding no value', '{{ $v := .Cluster.spec.nothing }}{{ $v.x }}', { error: 'missing-key', message: 'nil data; no entry for key "x"' }],
  ['index of a missing key is no value, not an error', '[{{ index .Cluster.metadata.labels "zone" }}]', '[<no value>]'],
  ['index of a present key', '{{ index .Cluster.metadata.labels "env" }}', 'prod'],
  ['index of a list, and nested', '{{ index .Cluster.spec.clusterNetwork.pods.cidrBlocks 1 }} {{ index (list (list 1 2)) 0 1 }}', '10.244.0.0/16 2'],
  ['index out of range', '{{ index (list 1) 5 }}', { error: 'exec', message: 'index out of range: 5' }],
  ['index of a string is a byte', '{{ index "abc" 0 }}', '97'],
  ['index of nothing', '{{ index .Cluster.spec.nothing "a" }}', { error: 'exec', message: 'index of untyped nil' }],
  ['a map key of the wrong type', '{{ index .Cluster.metadata 1 }}', { error: 'exec', message: 'value has type int; should be string' }],
  ['the data struct prints as Go prints a pointer to a struct', '{{ . }}', '&{map[apiVersion:lib.projectsveltos.io/v1beta1 kind:SveltosCluster metadata:map[labels:map[env:prod region:lon1] name:cluster1 namespace:civo] spec:map[clusterNetwork:map[pods:map[cidrBlocks:[192.168.0.0/16 10.244.0.0/16]]] controlPlaneEndpoint:map[host:10.0.0.1 port:6443] nothing:<nil> ratio:1.5]] map[] map[] map[ConfigData:map[apiVersion:v1 data:map[values:a: 1] kind:ConfigMap metadata:map[name:cluster1]]]}'],
];

const PRINTING: Case[] = [
  ['maps print as map[k:v] in key order', '{{ dict "b" 1 "a" (list 1 "x" nil) }}', 'map[a:[1 x <nil>] b:1]'],
  ['an empty map and list', '{{ dict }} {{ list }}', 'map[] []'],
  ['numbers from data: ints and floats', '{{ .Cluster.spec.controlPlaneEndpoint.port }} {{ .Cluster.spec.ratio }}', '6443 1.5'],
  ['print puts spaces between non-strings only', '{{ print 1 2 "a" "b" 3 }}', '1 2ab3'],
  ['print of nil', '{{ print nil }}', '<nil>'],
  ['println', '{{ println 1 "a" }}', '1 a\n'],
  ['printf verbs', '{{ printf "%d %s %v %q %t" 1 "s" (list 1 2) "q" true }}', '1 s [1 2] "q" true'],
  ['printf widths and flags', '{{ printf "%5d|%-5d|%05d|%x|%X|%o|%b|%c|%+d" 42 42 42 255 255 8 5 65 3 }}', '   42|42   |00042|ff|FF|10|101|A|+3'],
  ['printf floats', '{{ printf "%.2f|%6.1f|%e|%g|%g" 3.14159 2.5 1234.5 0.000012 100000.0 }}', '3.14|   2.5|1.234500e+03|1.2e-05|100000'],
  ['printf reports a wrong verb', '{{ printf "%d" "x" }}', '%!d(string=x)'],
  ['printf reports a missing operand', '{{ printf "%s %s" "a" }}', 'a %!s(MISSING)'],
  ['printf reports extra operands', '{{ printf "%s" "a" "b" }}', 'a%!(EXTRA string=b)'],
  ['printf %%', '{{ printf "100%%" }}', '100%'],
  ['html escapes', '{{ html "<a href=\\"x\\">&\'" }}', '&lt;a href=&#34;x&#34;&gt;&amp;&#39;'],
  ['js escapes', '{{ js "it\'s <b>" }}', "it\\'s \\u003Cb\\u003E"],
  ['urlquery escapes', '{{ urlquery "a b&c=d/é" }}', 'a+b%26c%3Dd%2F%C3%A9'],
  ['escapers print missing values as <no value>', '{{ html .Cluster.spec.nothing }}', '&lt;no value&gt;'],
];

const LOGIC: Case[] = [
  ['and returns the first false argument or the last', '{{ and 1 0 2 }} {{ and 1 2 }}', '0 2'],
  ['or returns the first true argument or the last', '{{ or 0 "" "x" }}|{{ or 0 "" }}|', 'x||'],
  ['and stops at the first false argument', '{{ and false (fail "boom") }}', 'false'],
  ['or stops at the first true argument', '{{ or 1 (fail "boom") }}', '1'],
  ['not', '{{ not 0 }} {{ not "x" }}', 'true false'],
  ['eq with several candidates', '{{ eq 3 1 2 3 }} {{ eq "a" "b" }}', 'true false'],
  ['eq of different types is an error', '{{ eq "a" 1 }}', { error: 'exec', message: 'incompatible types for comparison' }],
  ['eq of a missing value and a string is false', '{{ eq (index .Cluster.metadata.labels "zone") "x" }}', 'false'],
  ['eq of lists is an error', '{{ eq (list) (list) }}', { error: 'exec', message: 'non-comparable type' }],
  ['ne', '{{ ne 1 2 }} {{ ne "a" "a" }}', 'true false'],
  ['lt le gt ge on numbers and strings', '{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }}', 'true true true false'],
  ['lt on booleans', '{{ lt true false }}', { error: 'exec', message: 'invalid type for comparison' }],
  ['len counts bytes of a string, entries of a map', '{{ len "héllo" }} {{ len .Cluster.metadata.labels }} {{ len (list 1 2 3) }}', '6 2 3'],
  ['len of a number', '{{ len 3 }}', { error: 'exec', message: 'len of type int' }],
];

runCases('fields', FIELDS);
runCases('printing', PRINTING);
runCases('logic', LOGIC);
