import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseConfig } from './key-value.js';

describe('parseConfig', () => {
  it('reads values as JSON when they parse and as strings otherwise', () => {
    expect(
      parseConfig([
        'provider=openai',
        'model=openai/gpt-6',
        'count=3',
        'on=true',
        'gone=null',
        'list=["a",1]',
        'quoted="8080"',
        'empty=',
        'eq=a=b',
      ]),
    ).toEqual({
      provider: 'openai',
      model: 'openai/gpt-6',
      count: 3,
      on: true,
      gone: null,
      list: ['a', 1],
      quoted: '8080',
      empty: '',
      eq: 'a=b',
    });
  });

  it('nests dotted keys and merges them with other keys under the same object', () => {
    expect(
      parseConfig(['extraEnv.FOO=bar', 'extraEnv.BAZ="1"', 'a.b.c=x', 'extraEnv.FOO=again']),
    ).toEqual({ extraEnv: { FOO: 'again', BAZ: '1' }, a: { b: { c: 'x' } } });
  });

  it('adds to an object given as JSON', () => {
    expect(parseConfig(['extraEnv={"A":"1"}', 'extraEnv.B=two'])).toEqual({
      extraEnv: { A: '1', B: 'two' },
    });
  });

  it('refuses an assignment without a key or =', () => {
    for (const bad of ['novalue', '=x', 'a..b=1', '.a=1', 'a.=1']) {
      expect(() => parseConfig([bad]), bad).toThrow(UsageError);
    }
  });

  it('refuses a dotted key under a key that already holds a value', () => {
    expect(() => parseConfig(['provider=openai', 'provider.x=1'])).toThrow(
      '--config provider.x: provider is already set to a value, not an object',
    );
  });

  it('refuses __proto__, which would set a prototype instead of a key', () => {
    expect(() => parseConfig(['__proto__.x=1'])).toThrow('--config __proto__.x: not a valid key');
  });
});
