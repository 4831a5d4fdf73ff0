// The function map a Sveltos template sees: Go's builtins, then sprig (whose `slice` replaces
// Go's), then Sveltos' own functions (whose toYaml/toJson/fromJson replace sprig's), as
// libsveltos' SveltosFuncMap and addon-controller assemble it. Functions that cannot give the
// same answer every time (clock, randomness, environment, network, key generation) or that
// gitset does not implement still parse, and fail with a clear error only if they run.
import { BUILTINS } from './builtins.ts';
import { def, unsupported, type FuncDef, type FuncTable } from './funcs.ts';
import { DICT_FUNCS } from './sprig-dicts.ts';
import { ENCODING_FUNCS } from './sprig-encoding.ts';
import { LIST_FUNCS } from './sprig-lists.ts';
import { STRING_FUNCS } from './sprig-strings.ts';
import { VALUE_FUNCS } from './sprig-values.ts';
import { semverCompare } from './semver.ts';
import { SVELTOS_FUNCS } from './sveltos.ts';

const NOT_REPEATABLE = 'its result would change from one rendering to the next, and gitset renders deterministically';

const UNSUPPORTED: ReadonlyArray<[string[], string]> = [
  [['now', 'date', 'dateInZone', 'date_in_zone', 'dateModify', 'date_modify', 'mustDateModify', 'must_date_modify', 'htmlDate', 'htmlDateInZone', 'ago', 'toDate', 'mustToDate', 'unixEpoch', 'duration', 'durationRound'], NOT_REPEATABLE],
  [['randAlphaNum', 'randAlpha', 'randAscii', 'randNumeric', 'randBytes', 'randInt', 'uuidv4', 'shuffle'], NOT_REPEATABLE],
  [['env', 'expandenv'], 'templates do not read gitset\'s environment'],
  [['getHostByName'], 'templates do not use the network'],
  [['bcrypt', 'htpasswd', 'genPrivateKey', 'derivePassword', 'buildCustomCert', 'genCA', 'genCAWithKey', 'genSelfSignedCert', 'genSelfSignedCertWithKey', 'genSignedCert', 'genSignedCertWithKey', 'encryptAES', 'decryptAES'], 'secrets and keys do not belong in a Git repository'],
  [['semver'], 'version objects have methods, which gitset templates do not call; use semverCompare'],
  [['addf', 'add1f', 'subf', 'mulf', 'divf'], 'decimal arithmetic is not implemented yet'],
  [['abbrev', 'abbrevboth', 'initials', 'wrap', 'wrapWith', 'swapcase', 'snakecase', 'camelcase', 'kebabcase', 'b32dec', 'urlParse', 'urlJoin', 'osBase', 'osClean', 'osDir', 'osExt', 'osIsAbs'], 'not implemented yet'],
];

function buildTable(): FuncTable {
  const table = new Map<string, FuncDef>();
  for (const [names, why] of UNSUPPORTED) for (const n of names) table.set(n, unsupported(n, why));
  for (const group of [BUILTINS, STRING_FUNCS, LIST_FUNCS, DICT_FUNCS, VALUE_FUNCS, ENCODING_FUNCS, SVELTOS_FUNCS]) {
    for (const [name, f] of group) table.set(name, f);
  }
  table.set('hello', def([], () => 'Hello!'));
  table.set('semverCompare', def(['string', 'string'], semverCompare));
  return table;
}

/** Built once: the table is immutable data, shared by every compiled template. */
export const SVELTOS_FUNC_MAP: FuncTable = buildTable();
