import { FUNCTION_NAME, operationIds } from '../../src/openapi/operation-ids.js';
import { embedSchema } from '../../src/openapi/schemas.js';

describe('operationIds', () => {
  test('a valid function name is its own id; dots and other characters become _', () => {
    const ids = operationIds(['pg_execute_query', 'get-sum', 'files.read', 'a b/c']);
    expect([...ids]).toEqual([
      ['pg_execute_query', 'pg_execute_query'],
      ['get-sum', 'get-sum'],
      ['files.read', 'files_read'],
      ['a b/c', 'a_b_c'],
    ]);
  });

  test('a mapped id that a tool already has gets a hash of the name, whatever the order', () => {
    for (const names of [['files.read', 'files_read'], ['files_read', 'files.read']]) {
      const ids = operationIds(names);
      expect(ids.get('files_read')).toBe('files_read');
      expect(ids.get('files.read')).toMatch(/^files_read_[0-9a-f]{8}$/);
    }
  });

  test('names that map alike get distinct ids, and a tool named like a hashed id cannot take another one', () => {
    const first = operationIds(['a.b', 'a/b', 'a b']);
    const hashed = first.get('a/b')!;
    const ids = operationIds(['a.b', 'a/b', 'a b', hashed]);
    expect(new Set(ids.values()).size).toBe(4);
    expect(ids.get(hashed)).toBe(hashed);
  });

  test('every id is a valid OpenAI function name, also for long and non-ASCII names', () => {
    const long = `server.${'x'.repeat(100)}`;
    const ids = operationIds([long, `${long}y`, 'données.lire', '工具']);
    for (const id of ids.values()) expect(id).toMatch(FUNCTION_NAME);
    expect(ids.get(long)).not.toBe(ids.get(`${long}y`));
    // The same list always gets the same ids.
    expect([...operationIds([long, `${long}y`, 'données.lire', '工具'])]).toEqual([...ids]);
  });
});

describe('embedSchema', () => {
  test('a schema without local refs is kept (shared, not copied), less $schema and $id', () => {
    const properties = { query: { type: 'string' } };
    const embedded = embedSchema({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:x', type: 'object', properties }, 'q');
    expect(embedded).toEqual({ schema: { type: 'object', properties }, components: {} });
    expect((embedded.schema as { properties: unknown }).properties).toBe(properties);
  });

  test('$defs and definitions become components named after the operation, and their refs point there', () => {
    const { schema, components } = embedSchema(
      {
        type: 'object',
        properties: { where: { $ref: '#/$defs/Filter' }, order: { type: 'array', items: { $ref: '#/definitions/Order' } } },
        $defs: { Filter: { type: 'object', properties: { and: { type: 'array', items: { $ref: '#/$defs/Filter' } } } } },
        definitions: { Order: { enum: ['asc', 'desc'] } },
      },
      'search',
    );
    expect(schema).toEqual({
      type: 'object',
      properties: { where: { $ref: '#/components/schemas/search.Filter' }, order: { type: 'array', items: { $ref: '#/components/schemas/search.Order' } } },
    });
    expect(components).toEqual({
      'search.Filter': { type: 'object', properties: { and: { type: 'array', items: { $ref: '#/components/schemas/search.Filter' } } } },
      'search.Order': { enum: ['asc', 'desc'] },
    });
  });

  test('a definition name with characters components refuse is mapped; escaped and %-encoded refs still find it', () => {
    const { schema, components } = embedSchema(
      { type: 'object', properties: { a: { $ref: '#/$defs/a~1b' }, b: { $ref: '#/$defs/my%20type' } }, $defs: { 'a/b': { type: 'string' }, 'my type': { type: 'integer' } } },
      't',
    );
    expect(Object.keys(components)).toEqual(['t.a_b', 't.my_type']);
    expect(schema.properties).toEqual({ a: { $ref: '#/components/schemas/t.a_b' }, b: { $ref: '#/components/schemas/t.my_type' } });
  });

  test('a ref to the schema itself makes the whole schema a component, referred to from the body', () => {
    const { schema, components } = embedSchema(
      { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } }, alias: { $ref: '#/properties/name' } } },
      'tree',
    );
    expect(schema).toEqual({ $ref: '#/components/schemas/tree' });
    expect(components.tree).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/tree' } }, alias: { $ref: '#/components/schemas/tree/properties/name' } },
    });
  });

  test('draft-07 tuples become prefixItems; values of data keywords are left alone', () => {
    const { schema } = embedSchema(
      {
        type: 'object',
        properties: { point: { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false, default: { items: [1, 2], $ref: '#/x' } } },
      },
      'p',
    );
    expect(schema.properties).toEqual({
      point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false, default: { items: [1, 2], $ref: '#/x' } },
    });
  });
});
