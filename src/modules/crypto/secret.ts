import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A decrypted secret. Only `reveal()` gives the value; every way of printing or serialising it
 * (JSON, util.inspect, console.log, template strings, String()) gives "[redacted]".
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  /**
   * "…" and the last 4 characters of a string secret of 16+ characters; "" otherwise: 4 characters
   * of a short secret would give too much of it away (real tokens are 40+ characters).
   */
  hint(): string {
    const value = this.#value;
    return typeof value === 'string' && value.length >= 16 ? `…${value.slice(-4)}` : '';
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
