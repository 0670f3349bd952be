// Plain data at the host boundary: the size budget every conversion between Lua and JS
// spends, the one way keys are set on the objects handed to the host, and the copy that
// turns a host value into data the runtime owns (read once, no getters, no prototypes).
import { ValueConversionError } from './errors';

/** A value that can cross the boundary: plain data only. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/** Size limits of one conversion between Lua and JS (see `RuntimeLimits`). */
export interface ConversionLimits {
  /** Values (tables, strings, numbers, …) one conversion may produce, counted per use: a subtable shared by two parents counts twice. */
  readonly maxNodes: number;
  /** Bytes of strings (keys and values, UTF-8) one conversion may produce. */
  readonly maxBytes: number;
}

/** 100,000 values and 16 MiB of strings: far above a game's event payloads, far below what hurts. */
export const DEFAULT_CONVERSION_LIMITS: ConversionLimits = { maxNodes: 100_000, maxBytes: 16 * 1024 * 1024 };

/**
 * No size limit: for data the runtime built or already copied within a budget (a level's
 * spawn items, a host value after {@link copyPlain}), which is a tree of known size.
 */
export const UNLIMITED_CONVERSION: ConversionLimits = { maxNodes: Infinity, maxBytes: Infinity };

/** Deepest nesting of tables or arrays a conversion accepts. */
export const MAX_DEPTH = 32;

/**
 * One conversion's size limits and what it has used. Every value converted is counted where
 * it is used, so a table shared by many parents (a DAG whose expansion is exponential) runs
 * out of nodes after `maxNodes` values. Converting a table the conversion already converted
 * (see `LuaVm.readValue`) counts its whole size at once ({@link reuse}) without reading it
 * again, so refusing such a DAG reads only its distinct tables. {@link read} says what was
 * really read: what a refused conversion cost.
 */
export class ConversionBudget {
  private nodesUsed = 0;
  private bytesUsed = 0;
  private nodesRead = 0;
  private bytesReadCount = 0;
  private passed: 'maxNodes' | 'maxBytes' | undefined;

  /** @param what names the value in errors (`result of host function 'load'`). */
  constructor(
    readonly limits: ConversionLimits = DEFAULT_CONVERSION_LIMITS,
    readonly what = 'value',
  ) {}

  /** Values converted so far (a reused table counts all its values). */
  get nodes(): number {
    return this.nodesUsed;
  }

  /** String bytes converted so far. */
  get bytes(): number {
    return this.bytesUsed;
  }

  /** What was really read so far: values visited and string bytes decoded. */
  get read(): { nodes: number; bytes: number } {
    return { nodes: this.nodesRead, bytes: this.bytesReadCount };
  }

  /** The limit that was passed (the conversion was refused for its size), if any. */
  get exhausted(): 'maxNodes' | 'maxBytes' | undefined {
    return this.passed;
  }

  /** Counts one value read; throws {@link ValueConversionError} past the node limit. */
  node(): void {
    this.nodesRead++;
    this.reuse(1, 0);
  }

  /** Counts `length` string bytes about to be read; throws {@link ValueConversionError} past the byte limit (nothing is read then). */
  string(length: number): void {
    this.reuse(0, length);
    this.bytesReadCount += length;
  }

  /** Counts `nodes` values and `bytes` string bytes converted again without reading them; throws past a limit. */
  reuse(nodes: number, bytes: number): void {
    if (this.nodesUsed + nodes > this.limits.maxNodes) {
      this.passed = 'maxNodes';
      throw new ValueConversionError(
        `moonstep: ${this.what} too large to cross the boundary (over ${this.limits.maxNodes} values; a shared subtable counts once per use)`,
      );
    }
    if (this.bytesUsed + bytes > this.limits.maxBytes) {
      this.passed = 'maxBytes';
      throw new ValueConversionError(`moonstep: ${this.what} too large to cross the boundary (over ${this.limits.maxBytes} bytes of strings)`);
    }
    this.nodesUsed += nodes;
    this.bytesUsed += bytes;
  }
}

/**
 * Sets `key` on `target` as an own, enumerable data property. A plain assignment of
 * `__proto__` would set the object's prototype instead; this never does.
 */
export function setOwnKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const encoder = new TextEncoder();

/**
 * A fresh copy of host value `value` as plain data, read exactly once: numbers, strings,
 * booleans, null/undefined, arrays and objects whose prototype is `Object.prototype` or null,
 * with data properties only. Getters, class instances, functions, symbols, bigints, cycles,
 * nesting past {@link MAX_DEPTH} and values past the budget throw {@link ValueConversionError}
 * naming `what`; so does anything whose reading throws (a Proxy trap, a getter): the thrown
 * value is never shown. The copy shares nothing with `value`, so later changes to it (or a
 * getter that answers differently the second time) cannot reach the runtime.
 */
export function copyPlain(value: unknown, what: string, budget = new ConversionBudget(DEFAULT_CONVERSION_LIMITS, what)): PlainValue | undefined {
  try {
    return copyAt(value, what, budget, 0, new Set());
  } catch (error) {
    if (error instanceof ValueConversionError) throw error;
    throw new ValueConversionError(`moonstep: ${what} could not be read (reading it threw)`);
  }
}

function copyAt(value: unknown, what: string, budget: ConversionBudget, depth: number, path: Set<object>): PlainValue | undefined {
  budget.node();
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'boolean':
    case 'number':
      return value;
    case 'string':
      budget.string(value.length > budget.limits.maxBytes ? value.length : encoder.encode(value).length);
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) throw new ValueConversionError(`moonstep: ${what} is nested deeper than ${MAX_DEPTH} levels`);
      if (path.has(value)) throw new ValueConversionError(`moonstep: ${what} contains a cycle`);
      path.add(value);
      let copy: PlainValue;
      if (Array.isArray(value)) {
        const length = value.length;
        const array: PlainValue[] = [];
        for (let i = 0; i < length; i++) {
          const item = copyAt(ownData(value, String(i), what), what, budget, depth + 1, path);
          array.push(item === undefined ? null : item);
        }
        copy = array;
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw new ValueConversionError(`moonstep: ${what} must be plain data (got a ${constructorName(proto)})`);
        }
        const object: Record<string, PlainValue> = {};
        for (const key of Object.keys(value)) {
          budget.string(key.length);
          const item = copyAt(ownData(value, key, what), what, budget, depth + 1, path);
          if (item !== undefined) setOwnKey(object, key, item);
        }
        copy = object;
      }
      path.delete(value);
      return copy;
    }
    default:
      throw new ValueConversionError(`moonstep: ${what} must be plain data (got a ${typeof value})`);
  }
}

/** The value of own data property `key` (undefined if absent); an accessor is refused unread. */
function ownData(target: object, key: string, what: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor) return undefined;
  if (!('value' in descriptor)) throw new ValueConversionError(`moonstep: ${what} must be plain data (property '${key.slice(0, 64)}' is a getter or setter)`);
  return descriptor.value;
}

function constructorName(proto: object): string {
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'constructor');
  const ctor: unknown = descriptor && 'value' in descriptor ? descriptor.value : undefined;
  const name = typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
  return typeof name === 'string' && name !== '' ? name.slice(0, 64) : 'object';
}

/**
 * Text for a value a host function threw or rejected with, without letting it run code that
 * could throw again: an `Error`'s own `message` data property, a string, or a fixed phrase.
 * (`String(error)` would call a hostile `toString`; `error.message` could be a throwing
 * getter; `instanceof` runs a Proxy's `getPrototypeOf` trap.) At most `maxLength` characters.
 */
export function describeHostError(error: unknown, maxLength: number): string {
  let text: string;
  try {
    if (typeof error === 'string') text = error;
    else if (typeof error === 'number' || typeof error === 'boolean' || error === null || error === undefined) text = String(error);
    else {
      const descriptor = typeof error === 'object' ? Object.getOwnPropertyDescriptor(error, 'message') : undefined;
      const message: unknown = descriptor && 'value' in descriptor ? descriptor.value : undefined;
      text = typeof message === 'string' ? message : `host function failed with a non-Error value (${typeof error})`;
    }
  } catch {
    text = 'host function failed with a value that cannot be read';
  }
  return truncateText(text, maxLength);
}

/**
 * `text` cut to `maxLength` characters, with a note saying how much was dropped
 * (`… (truncated, 123 more characters)`).
 */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  return `${text.slice(0, maxLength)}… (truncated, ${text.length - maxLength} more characters)`;
}
