import { FunctionNames } from '../../src/llm/function-names.js';

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('function names for tool names', () => {
  test('a valid name is kept; dots, slashes and spaces become underscores; each maps back', () => {
    const names = new FunctionNames(['pg_execute_query', 'a.b', 'files/read', 'say hello', 'über']);
    expect(['pg_execute_query', 'a.b', 'files/read', 'say hello', 'über'].map((tool) => names.function(tool))).toEqual([
      'pg_execute_query',
      'a_b',
      'files_read',
      'say_hello',
      '_ber',
    ]);
    for (const tool of ['pg_execute_query', 'a.b', 'files/read', 'say hello', 'über']) expect(names.tool(names.function(tool))).toBe(tool);
    expect(names.tool('made_up')).toBeUndefined();
  });

  test('no collisions: a valid name keeps its own, a mapped one that would take it ends in its hash', () => {
    const names = new FunctionNames(['a.b', 'a_b', 'a/b']);
    expect(names.function('a_b')).toBe('a_b');
    const mapped = [names.function('a.b'), names.function('a/b')];
    for (const name of mapped) expect(name).toMatch(/^a_b_[0-9a-f]{8}$/);
    expect(new Set([...mapped, 'a_b']).size).toBe(3);
    expect(mapped.map((name) => names.tool(name))).toEqual(['a.b', 'a/b']);
  });

  test('long names are cut to 64 characters, still distinct', () => {
    const long = 'x'.repeat(80);
    const names = new FunctionNames([`${long}.1`, `${long}.2`]);
    const mapped = [names.function(`${long}.1`), names.function(`${long}.2`)];
    for (const name of mapped) expect(name).toMatch(VALID);
    expect(mapped[0]).not.toBe(mapped[1]);
  });

  test('the same tools give the same names, whatever their order', () => {
    const one = new FunctionNames(['a.b', 'a/b', 'a_b']);
    const other = new FunctionNames(['a_b', 'a/b', 'a.b']);
    for (const tool of ['a.b', 'a/b', 'a_b']) expect(one.function(tool)).toBe(other.function(tool));
  });
});
