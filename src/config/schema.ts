/** JSON Schema of the configuration file; ajv reports problems by path. */

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

const toolFilter = {
  type: 'object',
  additionalProperties: false,
  properties: {
    include: { type: 'array', items: { type: 'string', minLength: 1 } },
    exclude: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

const common = {
  enabled: { type: 'boolean' },
  timeoutSeconds: { type: 'number', exclusiveMinimum: 0 },
  tools: toolFilter,
} as const;

const stdioServer = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    ...common,
    // `rest` never reaches this branch; the enum makes an unknown type's error list both kinds.
    type: { enum: ['stdio', 'rest'] },
    command: { type: 'string', minLength: 1 },
    args: { type: 'array', items: { type: 'string' } },
    env: stringMap,
    cwd: { type: 'string' },
  },
} as const;

const restServer = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'url'],
  properties: {
    ...common,
    type: { const: 'rest' },
    url: { type: 'string', pattern: '^https?://' },
    headers: stringMap,
  },
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
      },
    },
    mcpServers: {
      type: 'object',
      // Server names become part of qualified tool names (`server__tool`) and log fields.
      propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' },
      additionalProperties: {
        type: 'object',
        if: { required: ['type'], properties: { type: { const: 'rest' } } },
        then: restServer,
        // Anything without `type: rest` is a stdio server.
        else: stdioServer,
      },
    },
  },
} as const;
