import { spawn } from 'node:child_process';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const ROOT = path.resolve(__dirname, '../..');

// @seriousme/openapi-schema-validator is ESM only, which jest's CommonJS runtime cannot import: it runs in a node of its own.
const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(text));
process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
`;

export interface Validation {
  valid: boolean;
  version?: string;
  errors?: unknown;
}

/** The verdict of @seriousme/openapi-schema-validator (the OpenAPI JSON Schema, then every `$ref` resolved). */
export function validateOpenApi(document: unknown): Promise<Validation> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', VALIDATE], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.stderr.on('data', (data: Buffer) => (err += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Validation) : reject(new Error(`validator exited with ${code}: ${err}`))));
    child.stdin.end(JSON.stringify(document));
  });
}

type Json = Record<string, unknown>;

/**
 * Checks answers against what the document declares for them: the response of that path and
 * status (following `$ref`s), and its JSON schema, with Ajv in the document's own dialect
 * (JSON Schema 2020-12). Compiling the schemas also checks them against the dialect's meta-schema.
 */
export class DeclaredResponses {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

  constructor(private readonly document: Json) {
    this.ajv.addSchema(document, 'openapi.json');
  }

  /** Problems of `body` as the answer `status` of `POST path`; empty when it matches. */
  problems(path: string, status: number, body: unknown): string[] {
    const responses = ((this.document.paths as Json)[path] as { post?: { responses: Json } } | undefined)?.post?.responses;
    if (!responses) return [`no operation POST ${path}`];
    let response = responses[String(status)] as Json | undefined;
    if (!response) return [`POST ${path} declares no ${status}`];
    // A URI fragment: the path's own %-escapes are escaped once more.
    let pointer = `/paths/${encodeURIComponent(escape(path))}/post/responses/${status}`;
    while (typeof response.$ref === 'string') {
      pointer = response.$ref.slice(1);
      response = this.at(pointer) as Json;
    }
    const validate = this.ajv.getSchema(`openapi.json#${pointer}/content/application~1json/schema`);
    if (!validate) return [`POST ${path} ${status}: no application/json schema`];
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  }

  /** Component and request body schemas that are not valid JSON Schema 2020-12 (the OpenAPI validator takes any object as a schema). */
  invalidSchemas(): string[] {
    const schemas = Object.entries((this.document.components as { schemas?: Json } | undefined)?.schemas ?? {});
    for (const [path, item] of Object.entries(this.document.paths as Json)) {
      const body = (item as { post?: { requestBody?: { content: Json } } }).post?.requestBody?.content['application/json'] as { schema?: unknown } | undefined;
      if (body?.schema) schemas.push([`${path} body`, body.schema]);
    }
    return schemas.flatMap(([name, schema]) => (this.ajv.validateSchema(schema as Json) ? [] : [`${name}: ${this.ajv.errorsText(this.ajv.errors)}`]));
  }

  private at(pointer: string): unknown {
    return pointer
      .split('/')
      .slice(1)
      .reduce<unknown>((node, token) => (node as Json)[decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~')], this.document);
  }
}

function escape(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
