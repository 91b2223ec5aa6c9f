// Seeded randomness for the kernel (ids, tie-free choices, mutation). sfc32 is small, fast
// and passes PractRand for the sizes we use; a world without a seed takes one from the OS.
import { randomBytes } from 'node:crypto';

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: number;
  /** Draws since the seed: with the seed, the whole state (a fork resumes its parent's stream from it). */
  private drawn = 0;

  constructor(seed?: number) {
    this.seed = seed ?? randomBytes(4).readUInt32LE(0);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = this.seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
    this.drawn = 0;
  }

  /** Where the stream is: its seed and how many draws it has made since. */
  position(): { seed: number; draws: number } {
    return { seed: this.seed, draws: this.drawn };
  }

  /** The stream of `seed` after `draws` draws (the seed must be this stream's). */
  static at(position: { seed: number; draws: number }): Rng {
    const rng = new Rng(position.seed);
    for (let i = 0; i < position.draws; i++) rng.nextUint32();
    return rng;
  }

  nextUint32(): number {
    this.drawn++;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A short random identifier such as `ag_3k9x0m2q`. */
  id(prefix: string, length = 10): string {
    let out = '';
    for (let i = 0; i < length; i++) out += ID_ALPHABET[this.nextUint32() & 31];
    return `${prefix}_${out}`;
  }
}
