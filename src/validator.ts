import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { log } from './log.js';

/** Checks arguments; returns human-readable problems, empty when they are fine. */
export type ArgumentValidator = (args: Record<string, unknown>) => string[];

const options = { allErrors: true, strict: false, validateSchema: false } as const;
const draft07 = addFormats(new Ajv(options));
const draft2020 = addFormats(new Ajv2020(options));

/**
 * Compiles a tool's `inputSchema` once (draft-07 by default, 2020-12 when it says so).
 * A schema ajv cannot compile is logged and the tool runs unvalidated: the upstream still checks.
 */
export function compileValidator(schema: Record<string, unknown>, context: { upstream: string; tool: string }): ArgumentValidator | undefined {
  const ajv = String(schema.$schema ?? '').includes('2020-12') ? draft2020 : draft07;
  // `$id`s are global in an ajv instance and two tools may share one; validation needs none.
  const { $id: _id, $schema: _schema, ...rest } = schema;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(rest);
  } catch (err) {
    log.warn('tool input schema does not compile; its arguments will not be checked here', {
      ...context,
      problem: (err as Error).message,
    });
    return undefined;
  }
  return (args) => (validate(args) ? [] : formatProblems(validate.errors ?? []));
}

/**
 * A tool's validator, compiled at the tool's first call and kept: a server with a thousand tools
 * starts without compiling a thousand schemas, and holds only the validators of tools it runs.
 */
export function validatorOnFirstUse(schema: Record<string, unknown>, context: { upstream: string; tool: string }): ArgumentValidator {
  let compiled: ArgumentValidator | undefined | null = null;
  return (args) => {
    if (compiled === null) compiled = compileValidator(schema, context);
    return compiled?.(args) ?? [];
  };
}

function formatProblems(errors: ErrorObject[]): string[] {
  return [...new Set(errors.map(describe))];
}

function describe(error: ErrorObject): string {
  const where = error.instancePath ? `"${error.instancePath.slice(1).replace(/\//g, '.')}"` : 'the arguments';
  switch (error.keyword) {
    case 'required':
      return `missing required parameter "${fieldPath(error.instancePath, String(error.params.missingProperty))}"`;
    case 'additionalProperties':
      return `unknown parameter "${fieldPath(error.instancePath, String(error.params.additionalProperty))}"`;
    case 'enum':
      return `${where} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

function fieldPath(parent: string, key: string): string {
  return parent ? `${parent.slice(1).replace(/\//g, '.')}.${key}` : key;
}
