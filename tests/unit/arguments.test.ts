import { argumentsError, checkArguments, textToArguments } from '../../src/openai/arguments.js';
import { exampleBody } from '../helpers/openai-error.js';
import { lastUserText, parseChatRequest } from '../../src/faces/chat-request.js';
import { RequestError } from '../../src/errors.js';
import { log } from '../../src/log.js';
import type { ToolDefinition } from '../../src/upstreams/types.js';
import { compileValidator } from '../../src/validator.js';

const query: ToolDefinition = {
  name: 'pg_execute_query',
  description: 'Run a read-only SQL query',
  inputSchema: {
    type: 'object',
    properties: { query: { type: 'string', description: 'The SQL to run' }, limit: { type: 'integer' } },
    required: ['query'],
  },
};

const mutation: ToolDefinition = {
  name: 'pg_execute_mutation',
  description: 'Run an INSERT, UPDATE or DELETE',
  inputSchema: {
    type: 'object',
    properties: {
      operation: { type: 'string', enum: ['insert', 'update', 'delete'] },
      query: { type: 'string', description: 'The SQL to run' },
      dryRun: { type: 'boolean' },
    },
    required: ['operation', 'query'],
  },
};

const listTables: ToolDefinition = {
  name: 'pg_list_tables',
  inputSchema: { type: 'object', properties: { schema: { type: 'string' }, limit: { type: 'integer' } } },
};

const runJob: ToolDefinition = {
  name: 'run_job',
  inputSchema: { type: 'object', properties: { arguments: { type: 'object' } } },
};

/** Runs `fn`, expecting a RequestError, and returns it. */
function requestError(fn: () => unknown): RequestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
  throw new Error('expected a RequestError, nothing was thrown');
}

describe('textToArguments', () => {
  test('a JSON object becomes the arguments', () => {
    expect(textToArguments('  {"query": "SELECT 1", "limit": 5}\n', query)).toEqual({ query: 'SELECT 1', limit: 5 });
  });

  test('a fenced JSON block becomes the arguments', () => {
    const text = 'Please run this:\n```json\n{"operation": "delete", "query": "DELETE FROM t"}\n```\nThanks!';
    expect(textToArguments(text, mutation)).toEqual({ operation: 'delete', query: 'DELETE FROM t' });
  });

  test('a fenced block of another language counts as its inside', () => {
    expect(textToArguments('```sql\nSELECT datname FROM pg_database\n```', query)).toEqual({ query: 'SELECT datname FROM pg_database' });
  });

  test('{"arguments": {...}} is unwrapped when the tool has no parameter called arguments', () => {
    expect(textToArguments('{"arguments": {"query": "SELECT 1"}}', query)).toEqual({ query: 'SELECT 1' });
  });

  test('{"arguments": {...}} is kept when the tool has a parameter called arguments', () => {
    expect(textToArguments('{"arguments": {"n": 1}}', runJob)).toEqual({ arguments: { n: 1 } });
  });

  test('{"arguments": ...} next to other keys is not unwrapped', () => {
    expect(textToArguments('{"arguments": {"n": 1}, "query": "x"}', query)).toEqual({ arguments: { n: 1 }, query: 'x' });
  });

  test('plain text fills the one required string parameter', () => {
    expect(textToArguments('SELECT 1', query)).toEqual({ query: 'SELECT 1' });
  });

  test('plain text fills the only parameter of a tool that requires nothing', () => {
    const echo: ToolDefinition = { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } };
    expect(textToArguments('hello there', echo)).toEqual({ message: 'hello there' });
  });

  test('plain text is refused for a tool with two required parameters', () => {
    const err = requestError(() => textToArguments('DELETE FROM t', mutation));
    expect(err.param).toBe('messages');
    expect(err.code).toBe('invalid_arguments');
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(
      'Invalid arguments for tool "pg_execute_mutation": the user message is plain text, but this tool needs a JSON object of arguments.',
    );
    expect(err.message).toContain('Tool: Run an INSERT, UPDATE or DELETE');
    expect(err.message).toContain('- operation (string, required) One of "insert", "update", "delete".');
    expect(err.message).toContain('- query (string, required): The SQL to run');
    expect(err.message).toContain('- dryRun (boolean, optional)');

    const example = JSON.parse(exampleBody(err.message)) as { model: string; messages: { role: string; content: string }[] };
    expect(example.model).toBe('pg_execute_mutation');
    expect(example.messages).toHaveLength(1);
    expect(example.messages[0]?.role).toBe('user');
    const exampleArgs = JSON.parse(example.messages[0]?.content ?? '') as Record<string, unknown>;
    expect(Object.keys(exampleArgs).sort()).toEqual(['operation', 'query']);
    // The example must itself be accepted.
    expect(textToArguments(example.messages[0]?.content ?? '', mutation)).toEqual(exampleArgs);
  });

  test('plain text is refused when the one required parameter is not a string', () => {
    const sum: ToolDefinition = { name: 'get-sum', inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] } };
    expect(requestError(() => textToArguments('42', sum)).message).toMatch(/the user message is plain text/);
  });

  test('empty text is {} for a tool without required parameters', () => {
    expect(textToArguments('', listTables)).toEqual({});
    expect(textToArguments('```json\n```', listTables)).toEqual({});
  });

  test('empty text is refused for a tool with required parameters', () => {
    expect(requestError(() => textToArguments('   ', query)).message).toMatch(/^Invalid arguments for tool "pg_execute_query": the user message is empty\./);
  });

  test('text that looks like JSON but does not parse is refused with the parse error', () => {
    const err = requestError(() => textToArguments('{"query": "SELECT 1",}', query));
    expect(err.code).toBe('invalid_arguments');
    expect(err.message).toMatch(/the user message looks like JSON but does not parse \(.+\)\./);
  });

  test('a JSON array is not accepted as the arguments', () => {
    const err = requestError(() => textToArguments('[{"operation": "delete", "query": "DELETE FROM t"}]', mutation));
    expect(err.code).toBe('invalid_arguments');
    expect(err.message).toContain('the arguments must be a JSON object, not an array');
  });

  test('pretty-printed JSON whose strings hold triple backticks is read whole, not as a fence', () => {
    const doc: ToolDefinition = {
      name: 'write_doc',
      inputSchema: { type: 'object', properties: { title: { type: 'string' }, body: { type: 'string' } }, required: ['body'] },
    };
    const args = { title: 'Why ``` fences break', body: 'Install:\n```sh\nnpm i\n```' };
    expect(textToArguments(JSON.stringify(args, null, 2), doc)).toEqual(args);
  });
});

describe('argumentsError', () => {
  test('a tool without description or parameters still gets an actionable message', () => {
    const bare: ToolDefinition = { name: 'ping', inputSchema: { type: 'object' } };
    expect(argumentsError(bare, 'nope').message).toBe(
      [
        'Invalid arguments for tool "ping": nope.',
        'Send this as the last user message, with your own values: {}',
        'Parameters of "ping"\n(no parameters)',
        'Whole request body, for API calls: {"model":"ping","messages":[{"role":"user","content":"{}"}]}',
      ].join('\n'),
    );
  });

  test('it leads with the JSON to type, unescaped, with real enum values and every required parameter', () => {
    const lines = argumentsError(mutation, 'nope').message.split('\n');
    expect(lines[1]).toBe('Send this as the last user message, with your own values: {"operation": "insert", "query": "<query>"}');
    // What LiteLLM's scrubber would blank: a letter, a colon, then a newline.
    expect(argumentsError(mutation, 'nope').message).not.toMatch(/[A-Za-z]:\n/);
  });
});

describe('checkArguments with compileValidator', () => {
  const context = { upstream: 'pg', tool: 'pg_execute_mutation' };
  const validate = compileValidator({ ...mutation.inputSchema, additionalProperties: false }, context);

  function problems(args: Record<string, unknown>): string {
    return requestError(() => checkArguments(args, mutation, validate)).message.split('\n')[0] ?? '';
  }

  test('valid arguments pass', () => {
    expect(validate).toBeDefined();
    expect(() => checkArguments({ operation: 'update', query: 'UPDATE t SET a = 1' }, mutation, validate)).not.toThrow();
  });

  test('a missing required parameter is named', () => {
    expect(problems({ operation: 'insert' })).toBe('Invalid arguments for tool "pg_execute_mutation": missing required parameter "query".');
  });

  test('a wrong type is named', () => {
    expect(problems({ operation: 'insert', query: 7 })).toBe('Invalid arguments for tool "pg_execute_mutation": "query" must be string.');
  });

  test('a value outside the enum lists the allowed values', () => {
    expect(problems({ operation: 'drop', query: 'x' })).toBe(
      'Invalid arguments for tool "pg_execute_mutation": "operation" must be one of "insert", "update", "delete".',
    );
  });

  test('an extra key is an unknown parameter, and all problems are reported together', () => {
    expect(problems({ operation: 'insert', querry: 'x' })).toBe(
      'Invalid arguments for tool "pg_execute_mutation": missing required parameter "query"; unknown parameter "querry".',
    );
  });

  test('nested problems name the dotted path', () => {
    const nested = compileValidator(
      {
        type: 'object',
        properties: { filter: { type: 'object', properties: { column: { type: 'string' } }, required: ['column'], additionalProperties: false } },
      },
      context,
    );
    expect(nested?.({ filter: { colum: 'a' } })).toEqual(['missing required parameter "filter.column"', 'unknown parameter "filter.colum"']);
  });

  test('a 2020-12 schema using prefixItems compiles and validates', () => {
    const pair = compileValidator(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: 'urn:example:pair',
        type: 'object',
        properties: { point: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false } },
        required: ['point'],
      },
      context,
    );
    expect(pair?.({ point: ['x', 1] })).toEqual([]);
    expect(pair?.({ point: [1, 'x'] })).toEqual(['"point.0" must be string', '"point.1" must be integer']);
    expect(pair?.({ point: ['x', 1, 2] })).toEqual(['"point" must NOT have more than 2 items']);
  });

  test('a schema that cannot compile gives no validator and the tool stays callable', () => {
    const warn = jest.spyOn(log, 'warn').mockImplementation(() => log);
    try {
      const broken: ToolDefinition = { name: 'broken', inputSchema: { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } } };
      const validator = compileValidator(broken.inputSchema, { upstream: 'u', tool: 'broken' });
      expect(validator).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('does not compile'), expect.objectContaining({ upstream: 'u', tool: 'broken' }));
      const args = textToArguments('{"a": 1}', broken);
      expect(() => checkArguments(args, broken, validator)).not.toThrow();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('lastUserText and parseChatRequest', () => {
  test('content given as an array of text parts is joined', () => {
    const content = [
      { type: 'text', text: '{"query":' },
      { type: 'image_url', image_url: { url: 'data:,' } },
      { type: 'text', text: '"SELECT 1"}' },
    ];
    expect(lastUserText([{ role: 'user', content }])).toBe('{"query":\n"SELECT 1"}');
  });

  test('the last user message wins', () => {
    const messages = [
      { role: 'system', content: 'You are a database' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'second' },
      { role: 'assistant', content: 'not a user' },
    ];
    expect(lastUserText(messages)).toBe('second');
  });

  test('no user message is a RequestError with code no_user_message', () => {
    const err = requestError(() => lastUserText([{ role: 'system', content: 'hi' }]));
    expect(err.code).toBe('no_user_message');
    expect(err.param).toBe('messages');
  });

  test('model openai/ prefix is stripped', () => {
    const messages = [{ role: 'user', content: 'SELECT 1' }];
    expect(parseChatRequest({ model: 'openai/pg_execute_query', messages })).toEqual({
      model: 'pg_execute_query',
      userText: 'SELECT 1',
      stream: false,
      includeUsage: false,
      healthProbe: false,
      json: false,
    });
    expect(parseChatRequest({ model: 'my-openai/tool', messages }).model).toBe('my-openai/tool');
    expect(parseChatRequest({ messages }).model).toBeUndefined();
  });

  test('include_usage only counts when streaming', () => {
    const messages = [{ role: 'user', content: '' }];
    const usage = { include_usage: true };
    expect(parseChatRequest({ messages, stream: true, stream_options: usage })).toMatchObject({ stream: true, includeUsage: true });
    expect(parseChatRequest({ messages, stream: false, stream_options: usage })).toMatchObject({ stream: false, includeUsage: false });
    expect(parseChatRequest({ messages, stream: 'true', stream_options: usage })).toMatchObject({ stream: false, includeUsage: false });
    expect(parseChatRequest({ messages, stream: true })).toMatchObject({ stream: true, includeUsage: false });
  });

  test('a malformed request is refused naming what is wrong', () => {
    const refusal = (body: unknown) => {
      const err = requestError(() => parseChatRequest(body));
      return [err.param, err.code];
    };
    expect(refusal([])).toEqual([null, 'invalid_body']);
    expect(refusal({ model: 3, messages: [{ role: 'user', content: '' }] })).toEqual(['model', 'invalid_type']);
    expect(refusal({ model: 'echo' })).toEqual(['messages', 'invalid_messages']);
    expect(refusal({ model: 'echo', messages: [] })).toEqual(['messages', 'invalid_messages']);
    expect(refusal({ messages: [{ role: 'user', content: 5 }] })).toEqual(['messages[0].content', 'invalid_content']);
  });
});
