// A step-by-step transcription of FromBase64 (TC39 proposal-arraybuffer-base64, spec.html, with maxLength) over a
// JS string, as the reference for the tests. Test code only: the package never decodes base64 in JS.
// Returns { error: boolean, read, bytes: number[] } (bytes: what setFromBase64 writes, also before an error).
// `options.whitespace === 'reject'` (imagegate's extension) makes ASCII whitespace an illegal character.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function specFromBase64(string, options = {}, maxLength = 2 ** 53 - 1) {
  const alphabet = options.alphabet ?? 'base64';
  const lastChunkHandling = options.lastChunkHandling ?? 'loose';
  const skipWs = options.whitespace !== 'reject';
  const skip = (i) => {
    while (skipWs && i < string.length && '\t\n\f\r '.includes(string[i])) i++;
    return i;
  };
  const decodeChunk = (chunk, throwOnExtraBits) => {
    const n = chunk.length;
    const v = [...chunk.padEnd(4, 'A')].reduce((acc, ch) => acc * 64 + ALPHABET.indexOf(ch), 0);
    const b = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
    if (n === 2) return throwOnExtraBits && b[1] !== 0 ? null : [b[0]];
    if (n === 3) return throwOnExtraBits && b[2] !== 0 ? null : [b[0], b[1]];
    return b;
  };
  let read = 0;
  const bytes = [];
  const result = (error, r = read) => ({ error, read: r, bytes });
  if (maxLength === 0) return result(false, 0);
  let chunk = '';
  let index = 0;
  const length = string.length;
  for (;;) {
    index = skip(index);
    if (index === length) {
      if (chunk.length > 0) {
        if (lastChunkHandling === 'stop-before-partial') return result(false);
        if (lastChunkHandling === 'loose') {
          if (chunk.length === 1) return result(true);
          bytes.push(...decodeChunk(chunk, false));
        } else {
          return result(true);
        }
      }
      return result(false, length);
    }
    let char = string[index++];
    if (char === '=') {
      if (chunk.length < 2) return result(true);
      index = skip(index);
      if (chunk.length === 2) {
        if (index === length) return result(lastChunkHandling !== 'stop-before-partial');
        if (string[index] === '=') index = skip(index + 1);
      }
      if (index < length) return result(true);
      const decoded = decodeChunk(chunk, lastChunkHandling === 'strict');
      if (!decoded) return result(true);
      bytes.push(...decoded);
      return result(false, length);
    }
    if (alphabet === 'base64url') {
      if (char === '+' || char === '/') return result(true);
      if (char === '-') char = '+';
      else if (char === '_') char = '/';
    }
    if (!ALPHABET.includes(char)) return result(true);
    const remaining = maxLength - bytes.length;
    if ((remaining === 1 && chunk.length === 2) || (remaining === 2 && chunk.length === 3)) return result(false);
    chunk += char;
    if (chunk.length === 4) {
      bytes.push(...decodeChunk(chunk, false));
      chunk = '';
      read = index;
      if (bytes.length === maxLength) return result(false);
    }
  }
}
