// Credits are integers of micro-credits inside (1 credit = 1,000,000 µcr). The API speaks
// decimal credits; these functions are the only crossing between the two.
import { AgoraError, invariant } from '../../base/errors.js';

export const UCR_PER_CREDIT = 1_000_000;
const DECIMALS_MAX = 6;

/**
 * Parses a decimal amount of credits (JSON number or decimal string) into micro-credits,
 * exactly: the decimal text is read digit by digit, never multiplied in floating point.
 */
export function creditsToMicro(value: number | string, field = 'amount'): number {
  const text = typeof value === 'number' ? numberToDecimalText(value, field) : value.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new AgoraError('INVALID_ARGS', `${field} must be a non-negative decimal number of credits`, { field, value });
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (fraction.length > DECIMALS_MAX) {
    throw new AgoraError('INVALID_ARGS', `${field} has more than ${DECIMALS_MAX} decimals (1 µcr is the smallest unit)`, { field, value });
  }
  const micro = Number(whole) * UCR_PER_CREDIT + Number(fraction.padEnd(DECIMALS_MAX, '0'));
  if (!Number.isSafeInteger(micro)) throw new AgoraError('INVALID_ARGS', `${field} is too large`, { field, value });
  return micro;
}

/** Like creditsToMicro, but zero is refused: movements of money are always positive. */
export function positiveCreditsToMicro(value: number | string, field = 'amount'): number {
  const micro = creditsToMicro(value, field);
  if (micro <= 0) throw new AgoraError('INVALID_ARGS', `${field} must be greater than zero`, { field, value });
  return micro;
}

function numberToDecimalText(value: number, field: string): string {
  if (!Number.isFinite(value)) throw new AgoraError('INVALID_ARGS', `${field} must be a finite number`, { field, value: String(value) });
  if (value < 0) throw new AgoraError('INVALID_ARGS', `${field} must not be negative`, { field, value });
  const text = String(value);
  if (!text.includes('e')) return text;
  // Exponent notation: only small negative exponents with few digits can be exact µcr values.
  const fixed = value.toFixed(DECIMALS_MAX + 1);
  if (Number(fixed) !== value) throw new AgoraError('INVALID_ARGS', `${field} has more than ${DECIMALS_MAX} decimals`, { field, value });
  return fixed.replace(/0+$/, '').replace(/\.$/, '');
}

/** Micro-credits to decimal credits for the API. Exact for any safe integer below 2^53 / 10. */
export function microToCredits(micro: number): number {
  invariant(Number.isSafeInteger(micro), `micro-credit amount must be a safe integer, got ${micro}`);
  return micro / UCR_PER_CREDIT;
}
