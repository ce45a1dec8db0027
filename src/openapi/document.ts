import type { RegisteredTool } from '../registry.js';
import { isRetrySafe } from '../retry-safety.js';
import { exampleArguments, properties, requiredNames } from '../tool-help.js';
import type { ToolDefinition } from '../upstreams/types.js';
import { VERSION } from '../version.js';
import { ERROR, operationResponses, RESPONSES, TOOL_RESULT } from './responses.js';
import { embedSchema, type Schema } from './schemas.js';

/** Where the OpenAPI face's operations live: beside, never under, the REST adapter's `/tools/{name}`. */
export const OPERATIONS_PREFIX = '/openapi/';

/** One tool's part of the document: its path, its operation, and the component schemas it refers to. */
export interface ToolOperation {
  path: string;
  operation: Record<string, unknown>;
  schemas: Record<string, Schema>;
}

export interface DocumentOptions {
  /** API keys are configured: every operation needs a bearer key. */
  secured: boolean;
}

/**
 * One operation per tool: `POST /openapi/{tool}` with the tool's arguments as the JSON body. The
 * `operationId` is the tool's name mapped to a valid function name (see operation-ids.ts); the
 * description carries the tool's MCP hints. A tool without parameters has no request body (Open
 * WebUI sends none, and refuses an operation whose required body it cannot fill); a body whose
 * schema requires nothing is optional.
 */
export function toolOperation(tool: RegisteredTool, operationId: string, { secured }: DocumentOptions): ToolOperation {
  const { definition } = tool;
  const { schema, components } = embedSchema(definition.inputSchema, operationId);
  const takesArguments = Object.keys(properties(definition.inputSchema)).length > 0;
  const description = withHints(definition);
  const operation: Record<string, unknown> = {
    operationId,
    summary: summary(definition, tool.name),
    ...(description ? { description } : {}),
    tags: [tool.upstream.name],
    ...(takesArguments
      ? {
          requestBody: {
            required: requiredNames(definition.inputSchema).length > 0,
            content: { 'application/json': { schema, example: exampleArguments(definition.inputSchema) } },
          },
        }
      : {}),
    responses: operationResponses(isRetrySafe(definition), secured),
    ...(definition.annotations ? { 'x-mcp-annotations': definition.annotations } : {}),
  };
  return { path: `${OPERATIONS_PREFIX}${encodeURIComponent(tool.name)}`, operation, schemas: components };
}

/** The whole document for these operations (paths are complete from the shim's root: Open WebUI ignores `servers`). */
export function openapiDocument(operations: readonly ToolOperation[], tags: readonly string[], { secured }: DocumentOptions): object {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, Schema> = { ToolResult: TOOL_RESULT, Error: ERROR };
  for (const { path, operation, schemas: own } of operations) {
    paths[path] = { post: operation };
    Object.assign(schemas, own);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mcp-model-shim',
      version: VERSION,
      description:
        'Every MCP tool this caller may use, as one operation: `POST /openapi/{tool}` with the arguments as the JSON body, ' +
        'answered with the result as JSON. The same tools are models at `/v1/chat/completions` and the REST adapter\'s `POST /tools/{tool}`.',
    },
    tags: tags.map((name) => ({ name, description: `Tools of the MCP server "${name}".` })),
    paths,
    components: {
      schemas,
      responses: RESPONSES,
      ...(secured ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key of the shim (server.apiKeys): the document and the calls show only the tools it may use.' } } } : {}),
    },
    ...(secured ? { security: [{ bearer: [] }] } : {}),
  };
}

/** A title, else the first sentence of the description, else the name. */
function summary(definition: ToolDefinition, name: string): string {
  const title = definition.annotations?.title;
  if (title) return title;
  const first = /^[^\n]*?[.!?](?=\s|$)|^[^\n]+/.exec(definition.description?.trim() ?? '')?.[0];
  if (!first) return name;
  return first.length <= 120 ? first : `${first.slice(0, 119)}…`;
}

/** The tool's description, then the MCP hints it was annotated with, in words. */
function withHints(definition: ToolDefinition): string {
  const hints = hintWords(definition);
  const line = hints.length > 0 ? `MCP hints: ${hints.join(', ')}.` : '';
  return [definition.description?.trim() ?? '', line].filter((part) => part !== '').join('\n\n');
}

function hintWords({ annotations }: ToolDefinition): string[] {
  if (!annotations) return [];
  return [
    annotations.readOnlyHint === true ? 'read-only' : undefined,
    annotations.readOnlyHint !== true && annotations.destructiveHint === true ? 'destructive' : undefined,
    annotations.readOnlyHint !== true && annotations.destructiveHint === false ? 'not destructive' : undefined,
    annotations.idempotentHint === true ? 'idempotent' : undefined,
    annotations.openWorldHint === true ? 'reaches outside systems' : undefined,
  ].filter((word): word is string => word !== undefined);
}
