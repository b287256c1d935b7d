// COPY's text and CSV formats, as PostgreSQL's copyfromparse.c / copyto.c define them: options,
// splitting input into records of raw fields, and writing rows out. Values themselves go
// through the types' input/output functions elsewhere.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { nodeTag } from '../sql/parser.js';

export interface CopyOptions {
  format: 'text' | 'csv';
  delimiter: string;
  /** The string that stands for NULL (`\N` in text, an unquoted empty field in CSV). */
  null: string;
  header: boolean;
  quote: string;
  escape: string;
}

/** Options of a CopyStmt parse tree (`WITH (FORMAT csv, …)` or the legacy `CSV HEADER` words). */
export function copyOptions(defs: any[] | undefined): CopyOptions {
  const given = new Map<string, string | boolean>();
  for (const d of defs ?? []) {
    const def = d.DefElem;
    const name = String(def.defname);
    if (given.has(name)) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'conflicting or redundant options');
    const arg = def.arg;
    let v: string | boolean = true;
    if (arg) {
      const tag = nodeTag(arg);
      if (tag === 'String') v = arg.String.sval;
      else if (tag === 'Boolean') v = arg.Boolean.boolval === true;
      else if (tag === 'Integer') v = String(arg.Integer.ival ?? 0);
      else throw unsupported(`COPY option ${name} with this value`);
    }
    given.set(name, v);
  }
  const fmt = given.get('format') ?? 'text';
  if (fmt === 'binary') throw unsupported('COPY in binary format');
  if (fmt !== 'text' && fmt !== 'csv') throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `COPY format "${String(fmt)}" not recognized`);
  const csv = fmt === 'csv';
  const str = (name: string, dflt: string) => {
    const v = given.get(name);
    return v === undefined ? dflt : String(v);
  };
  const opts: CopyOptions = {
    format: fmt,
    delimiter: str('delimiter', csv ? ',' : '\t'),
    null: str('null', csv ? '' : '\\N'),
    header: bool(given.get('header') ?? false),
    quote: str('quote', '"'),
    escape: str('escape', str('quote', '"')),
  };
  for (const k of given.keys()) {
    if (!['format', 'delimiter', 'null', 'header', 'quote', 'escape'].includes(k)) throw unsupported(`COPY option "${k}"`);
  }
  if (opts.delimiter.length !== 1) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'COPY delimiter must be a single one-byte character');
  if (!csv && (given.has('quote') || given.has('escape'))) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'COPY quote available only in CSV mode');
  if (csv && (opts.quote.length !== 1 || opts.escape.length !== 1)) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'COPY quote must be a single one-byte character');
  if (/[\r\n]/.test(opts.delimiter) || /[\r\n]/.test(opts.null)) {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'COPY delimiter cannot be newline or carriage return');
  }
  if (!csv && opts.delimiter === '\\') throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'COPY delimiter cannot be "\\"');
  return opts;
}

function bool(v: string | boolean): boolean {
  if (typeof v === 'boolean') return v;
  const s = v.toLowerCase();
  if (['true', 'on', '1'].includes(s)) return true;
  if (['false', 'off', '0'].includes(s)) return false;
  if (s === 'match') throw unsupported('COPY HEADER MATCH');
  throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `header requires a Boolean value`);
}

/** One input record: its raw fields (null for NULL) and the line it starts on (1-based). */
export interface CopyRecord {
  fields: (string | null)[];
  line: number;
}

/** Split COPY input into records. Stops at a `\.` line, as PostgreSQL does. */
export function parseCopy(text: string, o: CopyOptions): CopyRecord[] {
  const records = o.format === 'csv' ? parseCsv(text, o) : parseText(text, o);
  return o.header ? records.slice(1) : records;
}

function parseText(text: string, o: CopyOptions): CopyRecord[] {
  const out: CopyRecord[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '\\.') break;
    out.push({ fields: splitTextLine(line, o), line: n + 1 });
  }
  return out;
}

function splitTextLine(line: string, o: CopyOptions): (string | null)[] {
  const fields: (string | null)[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i < line.length && line[i] === '\\') {
      i++; // the escaped character never splits
      continue;
    }
    if (i === line.length || line[i] === o.delimiter) {
      const raw = line.slice(start, i);
      fields.push(raw === o.null ? null : unescapeText(raw));
      start = i + 1;
    }
  }
  return fields;
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeText(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\' || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const d = raw[++i];
    if (d in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[d];
    else if (d >= '0' && d <= '7') {
      let j = i;
      while (j < raw.length && j < i + 3 && raw[j] >= '0' && raw[j] <= '7') j++;
      out += String.fromCharCode(parseInt(raw.slice(i, j), 8) & 0xff);
      i = j - 1;
    } else if (d === 'x' && /[0-9a-fA-F]/.test(raw[i + 1] ?? '')) {
      let j = i + 1;
      while (j < raw.length && j < i + 3 && /[0-9a-fA-F]/.test(raw[j])) j++;
      out += String.fromCharCode(parseInt(raw.slice(i + 1, j), 16));
      i = j - 1;
    } else out += d;
  }
  return out;
}

function parseCsv(text: string, o: CopyOptions): CopyRecord[] {
  const out: CopyRecord[] = [];
  let fields: (string | null)[] = [];
  let field = '';
  let quoted = false; // the current field had a quoted part (so it is never NULL)
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let atRecordStart = true;
  const endField = () => {
    fields.push(!quoted && field === o.null ? null : field);
    field = '';
    quoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      // the escape character (by default the quote itself) makes the next quote or escape literal
      if (c === o.escape && (text[i + 1] === o.quote || text[i + 1] === o.escape)) {
        field += text[++i];
        continue;
      }
      if (c === o.quote) inQuotes = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (atRecordStart && c === '\\' && text[i + 1] === '.' && /^(\r?\n|$)/.test(text.slice(i + 2, i + 4))) break;
    atRecordStart = false;
    if (c === o.quote) {
      inQuotes = true;
      quoted = true;
    } else if (c === o.delimiter) endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      out.push({ fields, line: recordLine });
      fields = [];
      line++;
      recordLine = line;
      atRecordStart = true;
    } else field += c;
  }
  if (inQuotes) throw new SqlError(SQLSTATE.BAD_COPY_FILE_FORMAT, 'unterminated CSV quoted field', { where: `COPY, line ${recordLine}` });
  if (!atRecordStart) {
    endField();
    out.push({ fields, line: recordLine });
  }
  return out;
}

/** One row of COPY output, with its line terminator. Values are already in text form. */
export function formatCopyRow(values: readonly (string | null)[], o: CopyOptions): string {
  const parts = values.map((v) => (v === null ? o.null : o.format === 'csv' ? csvField(v, o) : escapeText(v, o.delimiter)));
  return parts.join(o.delimiter) + '\n';
}

function escapeText(v: string, delimiter: string): string {
  let out = '';
  for (const c of v) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += delimiter === '\t' ? '\\t' : c;
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\v') out += '\\v';
    else if (c === delimiter) out += '\\' + c;
    else out += c;
  }
  return out;
}

function csvField(v: string, o: CopyOptions): string {
  const needs = v === o.null || v === '\\.' || v.includes(o.delimiter) || v.includes(o.quote) || v.includes('\n') || v.includes('\r');
  if (!needs) return v;
  let out = o.quote;
  for (const c of v) {
    if (c === o.quote || c === o.escape) out += o.escape;
    out += c;
  }
  return out + o.quote;
}
