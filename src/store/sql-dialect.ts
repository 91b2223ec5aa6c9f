// SQLite to PostgreSQL: the one place the two dialects meet. Agora's statements and migrations are
// written for SQLite; on PostgreSQL each is translated here once (prepared statements are cached by
// their text) and sent as is. Only what the code base uses is translated, and anything this file
// does not know (GLOB, MATCH, strftime, INSERT OR REPLACE...) is refused loudly rather than sent
// half-translated: where a statement cannot be translated mechanically, the source statement is
// changed to a form both engines accept.
//
// What changes, and why:
// - `?` placeholders become `$1..$n` (node-postgres speaks the extended protocol's numbered ones).
// - INTEGER is BIGINT (µcr and ms overflow int4) and REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes).
// - `x INTEGER PRIMARY KEY` is SQLite's rowid alias: a NULL insert takes MAX+1. PostgreSQL gets the
//   same rule from a trigger (agora_rowid, store/postgres-prelude.ts) rather than a sequence, because
//   a sequence keeps the numbers a rolled-back command took, and the replay in `agora audit` (which
//   never sees rolled-back commands) would then number postings differently from the live world.
// - A trigger whose body is `SELECT RAISE(ABORT, 'msg')` calls agora_abort('msg').
// - An fts5 virtual table becomes a plain table with the same columns (its writes translate; its
//   MATCH searches do not: refused).
// - DROP TABLE cascades: SQLite's table rebuild (new table, copy, drop, rename) drops a table others
//   reference, which PostgreSQL refuses without CASCADE (the referencing constraint goes with it).
// - INSERT OR IGNORE is INSERT ... ON CONFLICT DO NOTHING.
// - `? IS NULL` gets a type (`$n::text IS NULL`): PostgreSQL cannot infer a bare parameter's.
// - LIKE is ILIKE: SQLite's LIKE ignores ASCII case.
// - Two-argument MAX/MIN are SQLite's scalar ones: GREATEST/LEAST.
// - instr(haystack, needle) is strpos: the same 1-based position, 0 when absent (PostgreSQL has no instr).
// Not translated (a known difference): NULL ordering (SQLite sorts NULLs first ascending,
// PostgreSQL last); Agora's ORDER BY columns are NOT NULL where it matters.

export class UntranslatableSql extends Error {}

const REFUSED: readonly [RegExp, string][] = [
  [/\bOR\s+REPLACE\b/i, 'INSERT OR REPLACE (write INSERT ... ON CONFLICT (key) DO UPDATE)'],
  [/\bGLOB\b/i, 'GLOB'],
  [/\bMATCH\b/i, 'full-text MATCH (fts5)'],
  [/\bstrftime\s*\(/i, 'strftime'],
  [/\blast_insert_rowid\s*\(/i, 'last_insert_rowid() (use RETURNING)'],
  [/\bchanges\s*\(\s*\)/i, 'changes()'],
  [/\bAUTOINCREMENT\b/i, 'AUTOINCREMENT'],
  [/\bWITHOUT\s+ROWID\b/i, 'WITHOUT ROWID'],
  [/\bPRAGMA\b/i, 'PRAGMA (call db.pragma)'],
  [/\b(main|temp)\.\w/i, 'schema-qualified names (main., temp.)'],
];

interface Masked {
  code: string;
  literals: string[];
}

/** Replaces string literals, quoted identifiers and comments by markers, so rewrites touch only code. */
function mask(sql: string): Masked {
  const literals: string[] = [];
  let code = '';
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new UntranslatableSql(`unterminated ${c} in: ${sql}`);
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      code += `\u0000${literals.length}\u0000`;
      literals.push(sql.slice(i, j + 1));
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else {
      code += c;
      i++;
    }
  }
  return { code, literals };
}

function unmask(code: string, literals: readonly string[]): string {
  return code.replace(/\u0000(\d+)\u0000/g, (_, n: string) => literals[Number(n)]!);
}

/** The index of the parenthesis closing the one at `open`. */
function closing(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return i;
  }
  throw new UntranslatableSql(`unbalanced parentheses in: ${code}`);
}

function hasTopLevelComma(inner: string): boolean {
  let depth = 0;
  for (const c of inner) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) return true;
  }
  return false;
}

/** SQLite's scalar MAX(a, b)/MIN(a, b) (two or more arguments) as GREATEST/LEAST; aggregates stay. */
function scalarMinMax(code: string): string {
  const re = /\b(MAX|MIN)\s*\(/gi;
  let out = '';
  let from = 0;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) {
    const open = m.index + m[0].length - 1;
    const close = closing(code, open);
    if (hasTopLevelComma(code.slice(open + 1, close))) {
      out += code.slice(from, m.index) + (m[1]!.toUpperCase() === 'MAX' ? 'GREATEST' : 'LEAST') + '(';
      from = open + 1;
    }
  }
  return out + code.slice(from);
}

function refuse(code: string, sql: string): void {
  for (const [re, what] of REFUSED) {
    if (re.test(code)) throw new UntranslatableSql(`${what} has no PostgreSQL translation: ${sql.trim().slice(0, 200)}`);
  }
}

/** One statement's code (masked), translated. `params` counts placeholders across a script. */
function statement(code: string, params: { n: number }): string {
  let s = code;
  // fts5 virtual table: a plain table of the same (text) columns.
  s = s.replace(/CREATE\s+VIRTUAL\s+TABLE\s+(\w+)\s+USING\s+fts5\s*\(([^)]*)\)/gi, (_, table: string, cols: string) =>
    `CREATE TABLE ${table} (${cols.split(',').map((c) => `${c.trim().split(/\s+/)[0]} TEXT`).join(', ')})`,
  );
  // A CREATE TABLE's rowid alias: BIGINT, numbered by agora_rowid.
  const created = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(/i.exec(s);
  let rowid_trigger = '';
  if (created !== null) {
    s = s.replace(/(\w+)\s+INTEGER\s+PRIMARY\s+KEY\b/i, (_, col: string) => {
      rowid_trigger = `;\nCREATE TRIGGER ${created[1]}_rowid BEFORE INSERT ON ${created[1]} FOR EACH ROW EXECUTE FUNCTION agora_rowid('${col}')`;
      return `${col} BIGINT PRIMARY KEY`;
    });
  }
  s = s.replace(/\bINTEGER\b/gi, 'BIGINT').replace(/\bREAL\b/gi, 'DOUBLE PRECISION').replace(/\bBLOB\b/gi, 'BYTEA');
  s = s.replace(/\bDROP\s+TABLE\s+(\w+)/gi, 'DROP TABLE $1 CASCADE');
  const ignore = /\bINSERT\s+OR\s+IGNORE\s+INTO\b/i;
  if (ignore.test(s)) {
    s = s.replace(ignore, 'INSERT INTO');
    const returning = /\sRETURNING\s/i.exec(s);
    s = returning === null ? `${s.trimEnd()} ON CONFLICT DO NOTHING` : `${s.slice(0, returning.index)} ON CONFLICT DO NOTHING${s.slice(returning.index)}`;
  }
  s = s.replace(/\bLIKE\b/gi, 'ILIKE');
  s = scalarMinMax(s);
  s = s.replace(/\binstr\s*\(/gi, 'strpos(');
  s = s.replace(/\?(\s+IS\s+(?:NOT\s+)?NULL\b)?/gi, (_, isnull: string | undefined) => `$${++params.n}${isnull === undefined ? '' : `::text${isnull}`}`);
  return s + rowid_trigger;
}

/** A SQLite trigger raising ABORT, as a call of agora_abort (before the script is split at semicolons). */
function triggers(code: string): string {
  return code.replace(
    /CREATE\s+TRIGGER\s+(\w+)\s+(BEFORE|AFTER)\s+(INSERT|UPDATE|DELETE)\s+ON\s+(\w+)\s+BEGIN\s+SELECT\s+RAISE\s*\(\s*ABORT\s*,\s*(\u0000\d+\u0000)\s*\)\s*;\s*END/gi,
    (_, name: string, when: string, op: string, table: string, message: string) =>
      `CREATE TRIGGER ${name} ${when} ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION agora_abort(${message})`,
  );
}

/** One statement with `?` parameters, as PostgreSQL text with `$n` ones. */
export function toPostgres(sql: string): string {
  const { code, literals } = mask(sql);
  refuse(code, sql);
  if (/\bCREATE\s+TRIGGER\b/i.test(code)) return toPostgresScript(sql);
  return unmask(statement(code, { n: 0 }), literals);
}

// A migration statement that reads the journal's JSON (json_extract) fills a new table for worlds
// written before it. A PostgreSQL world is created by running every migration on an empty
// database, so there is nothing to fill: the statement is replaced by a check that says so.
const BACKFILL = /\bjson_extract\s*\(/i;
const EMPTY_JOURNAL_CHECK = "DO $$ BEGIN IF EXISTS (SELECT 1 FROM events) THEN RAISE EXCEPTION 'this migration backfills from the journal, which PostgreSQL does not translate: migrate the world on SQLite first'; END IF; END $$";

/** A script (a migration): each statement translated; no parameters. */
export function toPostgresScript(sql: string): string {
  const { code, literals } = mask(sql);
  refuse(code, sql);
  const params = { n: 0 };
  const out = triggers(code)
    .split(';')
    .filter((s) => s.trim() !== '')
    .map((s) => (BACKFILL.test(s) ? EMPTY_JOURNAL_CHECK : statement(s, params).trim()));
  if (params.n > 0) throw new UntranslatableSql('a script has no parameters');
  return unmask(out.join(';\n'), literals) + ';';
}
