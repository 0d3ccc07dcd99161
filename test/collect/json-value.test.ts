import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownValue, previewJson, tooDeep } from '../../src/collect/json-value.js';

const deep = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('JSON values from files', () => {
  it('previews any value in a few dozen characters, a 100000-deep array and a "toString" key included', () => {
    assert.throws(() => JSON.stringify(deep(100_000)), RangeError, 'the value really overflows JSON.stringify');
    assert.equal(previewJson(deep(100_000)), '[[[…]]]');
    assert.equal(previewJson({ toString: 0 }), '{"toString":0}');
    assert.equal(previewJson([1, 'two', null, true, 5]), '[1,"two",null,true,…]');
    assert.ok(previewJson('x'.repeat(10_000)).length <= 60);
    assert.ok(previewJson(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))).length <= 60);
  });

  it('finds the first value nested deeper than the limit, by JSON pointer', () => {
    assert.equal(tooDeep({ a: [[1]] }, 3), null);
    assert.equal(tooDeep({ a: [[[1]]] }, 3), '/a/0/0');
    assert.equal(tooDeep({ 'x/y': { z: {} } }, 2), '/x~1y/z');
    assert.match(tooDeep(deep(100_000), 16) ?? '', /^(\/0){16}$/);
  });

  it('reads own keys only: "constructor" and "__proto__" are names like any other', () => {
    const parsed = JSON.parse('{"__proto__": 1, "vdpa0": 2}') as object;
    assert.equal(ownValue(parsed, 'constructor'), undefined);
    assert.equal(ownValue(parsed, 'toString'), undefined);
    assert.equal(ownValue(parsed, '__proto__'), 1);
    assert.equal(ownValue(parsed, 'vdpa0'), 2);
  });
});
