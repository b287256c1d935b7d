// libpg-query reports the parse tree's locations as UTF-8 byte offsets (but a parse error's
// cursor in characters). PostgreSQL reports error positions in characters, and statement
// texts are sliced from a JS (UTF-16) string, so both are converted here, in one sweep over
// the text for all the offsets of a statement. ASCII text, the common case, needs none.

export class TextOffsets {
  readonly ascii: boolean;

  constructor(readonly text: string) {
    this.ascii = !/[^\x00-\x7f]/.test(text);
  }

  /**
   * For ascending byte offsets: their JS string indexes and 0-based character offsets.
   * (An offset inside a character maps to that character.)
   */
  convert(sortedBytes: readonly number[]): { index: number[]; char: number[] } {
    if (this.ascii) return { index: sortedBytes.slice(), char: sortedBytes.slice() };
    const index: number[] = [];
    const char: number[] = [];
    const text = this.text;
    let b = 0;
    let i = 0;
    let chars = 0;
    for (const target of sortedBytes) {
      for (;;) {
        if (i >= text.length) break;
        const cp = text.codePointAt(i)!;
        const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (b + n > target) break;
        b += n;
        i += cp > 0xffff ? 2 : 1;
        chars++;
      }
      index.push(i);
      char.push(chars);
    }
    return { index, char };
  }

  /** JS string index of one byte offset. */
  index(byte: number): number {
    return this.ascii ? byte : this.convert([byte]).index[0];
  }

  /** JS string index of a 0-based character offset. */
  indexOfChar(char: number): number {
    if (this.ascii) return char;
    let i = 0;
    for (let n = 0; n < char && i < this.text.length; n++) i += this.text.codePointAt(i)! > 0xffff ? 2 : 1;
    return i;
  }

  /** 0-based character offset of a JS string index. */
  charAtIndex(index: number): number {
    let n = 0;
    for (let i = 0; i < index; i++) {
      const c = this.text.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) n++;
    }
    return n;
  }
}

/** Rewrite every node's `location` (a byte offset) to a character offset, in place. */
export function locationsToChars(tree: unknown, offsets: TextOffsets): void {
  if (offsets.ascii) return;
  const holders: Record<string, number>[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) walk(x);
      return;
    }
    const obj = node as Record<string, any>;
    if (typeof obj.location === 'number' && obj.location >= 0) holders.push(obj);
    for (const k in obj) if (k !== 'location') walk(obj[k]);
  };
  walk(tree);
  holders.sort((a, b) => a.location - b.location);
  const { char } = offsets.convert(holders.map((h) => h.location));
  holders.forEach((h, k) => (h.location = char[k]));
}
