import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bitMask, bitsOf, hasBit } from '../../src/profile/feature-bits.js';

// bitsOf reads a mask as two 32-bit halves, bitMask from a table: both must say what BigInt
// arithmetic says, bit 31 and bit 63 (the sign bits of the halves and of an i64) included.
describe('feature bits', () => {
  it('bitsOf and bitMask agree with BigInt arithmetic on every 64-bit mask', () => {
    const reference = (mask: bigint) => Array.from({ length: 64 }, (_, bit) => bit).filter((bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
    for (const mask of [0n, 1n, 1n << 31n, 1n << 32n, 1n << 63n, (1n << 64n) - 1n, 0x10130bf8024n]) assert.deepEqual(bitsOf(mask), reference(mask), mask.toString(16));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (mask) => {
        assert.deepEqual(bitsOf(mask), reference(mask));
      }),
      { numRuns: 500 },
    );
    for (let bit = 0; bit < 64; bit++) {
      assert.equal(bitMask(bit), 1n << BigInt(bit));
      assert.ok(hasBit(1n << BigInt(bit), bit));
    }
  });
});
