import { describe, expect, it } from 'vitest';
import { formatValue } from './format.js';
import { T } from '../sql/types.js';

describe('float4 output', () => {
  it('takes the even digit when the value is exactly halfway between two shortest candidates (as Ryu does)', () => {
    // found by the float property test: PostgreSQL prints -1.2556802e+06 for this product
    expect(formatValue(Math.fround(Math.fround(1.6488155487660218e26) * Math.fround(-7.615649951383989e-21)), T.float4)).toBe('-1.2556802e+06');
    expect(formatValue(Math.fround(0.1), T.float4)).toBe('0.1');
    expect(formatValue(Math.fround(1 / 3), T.float4)).toBe('0.33333334');
  });
});
