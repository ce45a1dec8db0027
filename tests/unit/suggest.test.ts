import { globMatcher } from '../../src/glob.js';
import { closestNames } from '../../src/suggest.js';

const tools = ['pg_execute_query', 'pg_execute_mutation', 'pg_list_tables', 'echo', 'get-sum'];

describe('closestNames', () => {
  test('a typo suggests the nearest name first', () => {
    expect(closestNames('pg_execute_querry', tools)).toEqual(['pg_execute_query', 'pg_execute_mutation']);
    expect(closestNames('ECHO', tools)).toEqual(['echo']);
  });

  test('a part of a name suggests every name containing it, alphabetically, up to the limit', () => {
    expect(closestNames('execute', tools)).toEqual(['pg_execute_mutation', 'pg_execute_query']);
    expect(closestNames('pg_', tools, 2)).toEqual(['pg_execute_mutation', 'pg_execute_query']);
  });

  test('nothing close suggests nothing', () => {
    expect(closestNames('weather_forecast', tools)).toEqual([]);
  });
});

describe('globMatcher', () => {
  test('* and ? are wildcards and the whole name must match', () => {
    const matches = globMatcher(['pg_*', 'get-???']);
    expect(['pg_list_tables', 'get-sum', 'get-env'].every(matches)).toBe(true);
    expect(['apg_list', 'get-sums', 'echo'].some(matches)).toBe(false);
  });

  test('other characters match literally', () => {
    const matches = globMatcher(['a.b+(c)']);
    expect(matches('a.b+(c)')).toBe(true);
    expect(matches('aXb+(c)')).toBe(false);
    expect(matches('a.bb(c)')).toBe(false);
  });

  test('no patterns match nothing', () => {
    expect(globMatcher([])('echo')).toBe(false);
  });
});
