/** JSON Schema of the configuration file; ajv reports problems by path. */

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const httpUrl = { type: 'string', pattern: '^https?://' } as const;
/** A time limit in seconds: any positive number. */
const seconds = { type: 'number', exclusiveMinimum: 0 } as const;

/** Every `type` a server entry may have; an unknown one is reported once, listing these. */
export const SERVER_KINDS = ['stdio', 'rest', 'streamable-http', 'sse'] as const;

const toolFilter = {
  type: 'object',
  additionalProperties: false,
  properties: {
    include: { type: 'array', items: { type: 'string', minLength: 1 } },
    exclude: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

/** How answers are rendered, on a server entry or per tool. */
const rendering = {
  render: { enum: ['auto', 'table', 'json', 'text'] },
  maxTableRows: { type: 'integer', minimum: 1 },
} as const;

const common = {
  ...rendering,
  type: { enum: SERVER_KINDS },
  enabled: { type: 'boolean' },
  timeoutSeconds: seconds,
  tools: toolFilter,
  // Exposed names end up in URL paths and model ids, so the prefix keeps to safe characters.
  prefix: { type: 'string', pattern: '^[A-Za-z0-9_.-]*$' },
  maxResultBytes: { type: 'integer', minimum: 1 },
  maxMessageBytes: { type: 'integer', minimum: 1024 },
  readOnly: { type: 'boolean' },
  maxConcurrentCalls: { type: 'integer', minimum: 1 },
  maxQueuedCalls: { type: 'integer', minimum: 0 },
} as const;

/** Per exposed tool name (or glob): arguments forced or hidden, its own time limit and rendering. */
const toolPolicy = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...rendering,
    pin: { type: 'object' },
    hide: { type: 'array', items: { type: 'string', minLength: 1 } },
    timeoutSeconds: seconds,
    fromText: { enum: ['llm'] },
    confirm: { type: 'boolean' },
  },
} as const;

const llm = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl', 'model'],
  properties: {
    baseUrl: httpUrl,
    apiKey: { type: 'string' },
    model: { type: 'string', minLength: 1 },
    timeoutSeconds: seconds,
  },
} as const;

const agent = {
  type: 'object',
  additionalProperties: false,
  required: ['tools'],
  properties: {
    tools: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    instructions: { type: 'string' },
    model: { type: 'string', minLength: 1 },
    maxSteps: { type: 'integer', minimum: 1, maximum: 50 },
    allowMutations: { type: 'boolean' },
    maxToolResultBytes: { type: 'integer', minimum: 256 },
  },
} as const;

const state = {
  type: 'object',
  additionalProperties: false,
  properties: {
    redisUrl: { type: 'string', pattern: '^rediss?://' },
    maxEntries: { type: 'integer', minimum: 1 },
    maxBytes: { type: 'integer', minimum: 1024 },
    ttlSeconds: { type: 'integer', minimum: 1 },
  },
} as const;

const stdioServer = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    ...common,
    command: { type: 'string', minLength: 1 },
    args: { type: 'array', items: { type: 'string' } },
    env: stringMap,
    cwd: { type: 'string' },
  },
} as const;

/** `rest`, `streamable-http` and `sse` entries share their keys. */
const urlServer = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: { ...common, url: httpUrl, headers: stringMap },
} as const;

const hasType = (...kinds: string[]) => ({ required: ['type'], properties: { type: { enum: kinds } } });
/** No `type`: an entry with `url` is a remote server (the Claude Desktop / Cursor layout), else stdio. */
const untypedWithUrl = { required: ['url'], not: { required: ['type'] } };
const untypedWithoutUrl = { not: { anyOf: [{ required: ['type'] }, { required: ['url'] }] } };

// Short keys are guessable; an empty one (an unset variable) would let anybody in.
const keyString = { type: 'string', minLength: 8 } as const;

const apiKey = {
  anyOf: [
    keyString,
    {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      properties: {
        name: { type: 'string', minLength: 1 },
        key: keyString,
        tools: { type: 'array', items: { type: 'string', minLength: 1 } },
        admin: { type: 'boolean' },
      },
    },
  ],
} as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mcpServers'],
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        apiKeys: { type: 'array', items: apiKey },
        maxBodyBytes: { type: 'integer', minimum: 1024 },
        shutdownGraceSeconds: { type: 'number', minimum: 0 },
        shutdownDelaySeconds: { type: 'number', minimum: 0 },
        metrics: { type: 'boolean' },
        traceContent: { type: 'boolean' },
        docs: { type: 'boolean' },
      },
    },
    tools: { type: 'object', additionalProperties: toolPolicy },
    llm,
    // Agent names become model ids and URL path segments, like tool names.
    agents: { type: 'object', propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' }, additionalProperties: agent },
    state,
    mcpServers: {
      type: 'object',
      // Server names become part of qualified tool names (`server__tool`) and log fields.
      propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' },
      additionalProperties: {
        type: 'object',
        properties: { type: common.type },
        // One branch per kind; an unknown `type` matches none, so only the enum above reports it.
        allOf: [
          { if: { anyOf: [hasType('stdio'), untypedWithoutUrl] }, then: stdioServer },
          { if: { anyOf: [hasType('rest', 'streamable-http', 'sse'), untypedWithUrl] }, then: urlServer },
        ],
      },
    },
  },
} as const;
