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
  const p = new CopyParser(o);
  return [...p.push(text), ...p.end()];
}

/**
 * COPY input split into records as it arrives: push() takes the next piece of text and
 * returns the records it completes; only the incomplete last record is kept. A record ends at
 * a newline (in CSV, one outside quotes), so the text is cut there and each piece parsed as
 * parseCopy would parse the whole.
 */
export class CopyParser {
  private pending = '';
  /** CSV: how far `pending` has been scanned for a record end, and the quote state there. */
  private scanned = 0;
  private inQuotes = false;
  /** Line number of the first line of `pending` (1-based). */
  private line = 1;
  private done = false;
  private skipHeader: boolean;

  constructor(private readonly o: CopyOptions) {
    this.skipHeader = o.header;
  }

  push(text: string): CopyRecord[] {
    if (this.done) return [];
    this.pending += text;
    // text: a record ends at every newline (one in a value is written \n), so look in the new text only
    const nl = text.lastIndexOf('\n');
    const cut = this.o.format === 'csv' ? this.csvCut() : nl < 0 ? 0 : this.pending.length - text.length + nl + 1;
    if (cut <= 0) return [];
    const block = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    this.scanned -= cut;
    return this.parse(block);
  }

  /** The input ended: the last record, even without a line end. */
  end(): CopyRecord[] {
    if (this.done || this.pending === '') return [];
    const block = this.pending;
    this.pending = '';
    return this.parse(block);
  }

  private parse(block: string): CopyRecord[] {
    const r = this.o.format === 'csv' ? parseCsv(block, this.o, this.line) : parseText(block, this.o, this.line);
    this.line = r.nextLine;
    this.done = r.done;
    if (this.skipHeader && r.records.length > 0) {
      this.skipHeader = false;
      return r.records.slice(1);
    }
    return r.records;
  }

  /** CSV: the end of the last complete record in `pending` (0 if none), scanning on from before. */
  private csvCut(): number {
    const t = this.pending;
    const { quote, escape } = this.o;
    let cut = 0;
    let i = this.scanned;
    let q = this.inQuotes;
    for (; i < t.length; i++) {
      const c = t[i];
      if (q) {
        if (c === escape) {
          // an escaped (by default doubled) quote stays inside: the next character decides
          if (i + 1 >= t.length) break;
          const d = t[i + 1];
          if (d === quote || d === escape) {
            i++;
            continue;
          }
        }
        if (c === quote) q = false;
      } else if (c === quote) q = true;
      else if (c === '\n') cut = i + 1;
      else if (c === '\r') {
        if (i + 1 >= t.length) break; // \r\n or a lone \r: the next character decides
        if (t[i + 1] === '\n') i++;
        cut = i + 1;
      }
    }
    this.scanned = i;
    this.inQuotes = q;
    return cut;
  }
}

function parseText(text: string, o: CopyOptions, firstLine: number): { records: CopyRecord[]; nextLine: number; done: boolean } {
  const out: CopyRecord[] = [];
  // no backslash in the block: no escape, no \N and no \. end marker, so each line is its fields
  // split at the delimiter (unless the NULL marker is another text, which a field may be)
  const plain = text.indexOf('\\') < 0 && o.null.indexOf('\\') >= 0;
  const delimiter = o.delimiter;
  // the next delimiter at or after where the search is (-1: none left), found once for all
  // lines it lies beyond: String.split on each line was twice as slow
  let d = -2;
  let n = 0;
  for (let start = 0; start < text.length; n++) {
    const nl = text.indexOf('\n', start);
    const next = nl < 0 ? text.length : nl + 1;
    let end = nl < 0 ? text.length : nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // \r\n
    if (plain) {
      const fields: string[] = [];
      for (let p = start; ; ) {
        if (d !== -1 && d < p) d = text.indexOf(delimiter, p);
        if (d === -1 || d >= end) {
          fields.push(text.slice(p, end));
          break;
        }
        fields.push(text.slice(p, d));
        p = d + 1;
      }
      out.push({ fields, line: firstLine + n });
    } else {
      const line = text.slice(start, end);
      if (line === '\\.') return { records: out, nextLine: firstLine + n, done: true };
      out.push({ fields: splitTextLine(line, o), line: firstLine + n });
    }
    start = next;
  }
  return { records: out, nextLine: firstLine + n, done: false };
}

function splitTextLine(line: string, o: CopyOptions): (string | null)[] {
  // no backslash: no escape and no \N, so the fields are the line split at the delimiter
  // (unless the NULL marker is another text, which a field may be)
  if (line.indexOf('\\') < 0 && o.null.indexOf('\\') >= 0) return line.split(o.delimiter);
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

function parseCsv(text: string, o: CopyOptions, firstLine: number): { records: CopyRecord[]; nextLine: number; done: boolean } {
  const out: CopyRecord[] = [];
  let fields: (string | null)[] = [];
  let field = '';
  let quoted = false; // the current field had a quoted part (so it is never NULL)
  let inQuotes = false;
  let line = firstLine;
  let recordLine = firstLine;
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
    if (atRecordStart && c === '\\' && text[i + 1] === '.' && /^(\r?\n|$)/.test(text.slice(i + 2, i + 4))) return { records: out, nextLine: line, done: true };
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
  return { records: out, nextLine: line, done: false };
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
