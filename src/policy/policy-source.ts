/** One policy statement cut out of a `.cedar` file, with where it starts. */
export interface PolicyChunk {
  /** The statement text from just after the previous `;` up to and including its own `;`. */
  text: string;
  /** Byte offset of `text` in the file (Cedar reports byte offsets). */
  byteOffset: number;
  /** 0-based position among the file's policies. */
  index: number;
}

/**
 * Split a Cedar policy file into statements at each `;` outside string literals and `//` comments.
 * Leading whitespace and comments stay in a chunk, so Cedar's offsets inside a chunk plus the chunk's
 * offset give positions in the file. A trailing chunk without `;` is kept (it is a syntax error to report).
 */
export function splitPolicies(source: string): PolicyChunk[] {
  const chunks: PolicyChunk[] = [];
  let start = 0;
  let inString = false;
  let inComment = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (inComment) {
      if (c === '\n') inComment = false;
    } else if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '/' && source[i + 1] === '/') {
      inComment = true;
    } else if (c === ';') {
      push(source.slice(start, i + 1), start);
      start = i + 1;
    }
  }
  const rest = source.slice(start);
  if (stripComments(rest).trim() !== '') push(rest, start);
  return chunks;

  function push(text: string, charOffset: number): void {
    chunks.push({ text, byteOffset: Buffer.byteLength(source.slice(0, charOffset)), index: chunks.length });
  }
}

function stripComments(s: string): string {
  return s.replace(/\/\/[^\n]*/g, '');
}

/** 1-based line and column of a byte offset in `source`. */
export function lineColumn(source: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(source).subarray(0, Math.max(0, byteOffset)).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** Byte offset of the first non-blank, non-comment character of a chunk (where the policy really starts). */
export function policyStart(chunk: PolicyChunk): number {
  const m = /^(?:\s|\/\/[^\n]*)*/.exec(chunk.text);
  return chunk.byteOffset + Buffer.byteLength(m ? m[0] : '');
}
