/**
 * A streaming 64-bit digest (two independent 32-bit FNV-1a lanes) over text. Pure JS with
 * no platform crypto, so Node and the browser compute the same value for the same trace.
 * It detects divergence between runs; it is not a cryptographic hash.
 */
export class TraceDigest {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;
  private count = 0;

  /** Adds one record (a line of text). */
  update(line: string): void {
    let { a, b } = this;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 10, 0x01000193);
    b = Math.imul(b ^ 10, 0x01000193) ^ (b >>> 15);
    this.a = a;
    this.b = b;
    this.count++;
  }

  /** Records added so far. */
  get records(): number {
    return this.count;
  }

  /** The digest as 16 hex digits. */
  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
