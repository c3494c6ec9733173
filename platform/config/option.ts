/**
 * How one configuration option is declared: its type (a parser from the text of an environment
 * variable or a config-file value, and a zod schema of the parsed value for the published JSON
 * schema), its default, a description, and whether each subgraph may have its own value.
 * Every option of one type parses the same way, whichever feature owns it.
 */
import { z } from 'zod';

export interface Option<T, HasDefault extends boolean = boolean> {
  /** How the docs name the type ("integer ≥ 1", "switch", …). */
  readonly type: string;
  /** The parsed value's schema; the JSON schema of the config file is generated from it. */
  readonly schema: z.ZodType<T>;
  /** The text of a value (trimmed, not empty) to the value; throws OptionError with the reason. */
  readonly parse: (text: string) => T;
  readonly default: HasDefault extends true ? T : T | undefined;
  /** The default as the docs state it, where it depends on other settings (NODE_ENV, another option). */
  readonly defaultText?: string;
  readonly description: string;
  /** A value per subgraph (NAME__PRODUCTS, or `subgraphs:` in the config file) beside the one for all. */
  readonly perSubgraph: boolean;
  /** Never printed with its value (docs, errors). */
  readonly secret: boolean;
}

/** Why a text is not a value of the option's type; the reader prefixes the variable's name. */
export class OptionError extends Error {}

interface Common<T> {
  default?: T;
  defaultText?: string;
  description: string;
  perSubgraph?: boolean;
  secret?: boolean;
}

/** Whether a declaration has a default, so that reading it gives T rather than T | undefined. */
type Defaulted<T, S extends Common<T>> = S extends { default: T } ? true : false;

function declare<T, S extends Common<T>>(
  type: string,
  schema: z.ZodType<T>,
  parse: (text: string) => T,
  spec: S,
): Option<T, Defaulted<T, S>> {
  return {
    type,
    schema,
    parse,
    default: spec.default as Option<T, Defaulted<T, S>>['default'],
    defaultText: spec.defaultText,
    description: spec.description,
    perSubgraph: spec.perSubgraph ?? false,
    secret: spec.secret ?? false,
  };
}

const TRUE_WORDS = new Set(['on', 'true', '1', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', '0', 'no']);

/** Every switch: on/off, true/false, yes/no or 1/0, in any case. */
export function parseSwitch(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new OptionError(`must be on or off, got "${text}"`);
}

/** Digits only: no sign, exponent, fraction or hex, so "1e3" or "0x10" is a mistake, not a number. */
function wholeNumber(text: string, reason: string): number {
  if (!/^\d+$/.test(text)) throw new OptionError(`${reason}, got "${text}"`);
  return Number(text);
}

interface IntSpec extends Common<number> {
  /** Smallest value (default 1). */
  min?: number;
  max?: number;
  /** Why there is a maximum; the error for a larger value says it. */
  maxReason?: string;
}

export const option = {
  /** A whole number from min (default 1); positive integers are the common case (sizes, times, counts). */
  int<S extends IntSpec>(spec: S): Option<number, Defaulted<number, S>> {
    const min = spec.min ?? 1;
    const { max } = spec;
    const bounded = max === undefined ? z.number().int().min(min) : z.number().int().min(min).max(max);
    const expected = min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    const type = max === undefined ? `integer ≥ ${min}` : `integer ${min}–${max}`;
    return declare(
      type,
      bounded,
      (text) => {
        const value = wholeNumber(text, `must be ${expected}`);
        if (value < min) throw new OptionError(`must be ${expected}, got "${text}"`);
        if (max !== undefined && value > max) {
          throw new OptionError(`must be at most ${max}${spec.maxReason ? ` (${spec.maxReason})` : ''}, got ${text}`);
        }
        return value;
      },
      spec,
    );
  },

  /** A whole percentage, 0 to 100. */
  percent<S extends Common<number>>(spec: S): Option<number, Defaulted<number, S>> {
    return declare(
      'integer 0–100',
      z.number().int().min(0).max(100),
      (text) => {
        const value = wholeNumber(text, 'must be an integer from 0 to 100');
        if (value > 100) throw new OptionError(`must be an integer from 0 to 100, got "${text}"`);
        return value;
      },
      spec,
    );
  },

  port<S extends Common<number>>(spec: S): Option<number, Defaulted<number, S>> {
    return declare(
      'port',
      z.number().int().min(0).max(65535),
      (text) => {
        const value = wholeNumber(text, 'must be a port number (0-65535)');
        if (value > 65535) throw new OptionError(`must be a port number (0-65535), got "${text}"`);
        return value;
      },
      spec,
    );
  },

  /** on/off, true/false, yes/no, 1/0 (any case). */
  switch<S extends Common<boolean>>(spec: S): Option<boolean, Defaulted<boolean, S>> {
    return declare('switch', z.boolean(), parseSwitch, spec);
  },

  string<S extends Common<string>>(spec: S): Option<string, Defaulted<string, S>> {
    return declare('string', z.string(), (text) => text, spec);
  },

  /** One of a fixed set of words. */
  oneOf<const W extends string, S extends Common<W>>(words: readonly W[], spec: S): Option<W, Defaulted<W, S>> {
    return declare(
      words.join(' | '),
      z.enum(words as unknown as [W, ...W[]]),
      (text) => {
        if (!(words as readonly string[]).includes(text)) throw new OptionError(`must be one of ${words.join(', ')}, got "${text}"`);
        return text as W;
      },
      spec,
    );
  },

  /** Anything else: the parser and the schema come with the declaration. */
  custom<T, S extends Common<T>>(type: string, schema: z.ZodType<T>, parse: (text: string) => T, spec: S): Option<T, Defaulted<T, S>> {
    return declare(type, schema, parse, spec);
  },
};

/** A feature's options, keyed by their environment variable. */
export type Options = Record<string, Option<unknown>>;

/** One feature's options under the title that heads its section in docs/configuration.md. */
export interface Feature<O extends Options = Options> {
  readonly title: string;
  readonly options: O;
}

export function declareOptions<O extends Options>(title: string, options: O): Feature<O> {
  return { title, options };
}

/** What reading an option gives: its type, or undefined too when it has no default. */
export type ValueOf<O> = O extends Option<infer T, infer HasDefault> ? (HasDefault extends true ? T : T | undefined) : never;
