/** What a person needs to call a tool right: its parameters and a body that would work. */

interface PropertySchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
  examples?: unknown[];
  const?: unknown;
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

export function properties(schema: Record<string, unknown>): Record<string, PropertySchema> {
  const props = schema.properties;
  return props !== null && typeof props === 'object' ? (props as Record<string, PropertySchema>) : {};
}

export function requiredNames(schema: Record<string, unknown>): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((n): n is string => typeof n === 'string') : [];
}

/** One line per parameter: `- query (string, required): The SQL to run`. */
export function describeParameters(schema: Record<string, unknown>): string {
  const required = new Set(requiredNames(schema));
  const lines = Object.entries(properties(schema)).map(([name, prop]) => {
    const kind = [typeName(prop), required.has(name) ? 'required' : 'optional'].join(', ');
    const choices = Array.isArray(prop.enum) ? ` One of ${prop.enum.map((v) => JSON.stringify(v)).join(', ')}.` : '';
    return `- ${name} (${kind})${prop.description ? `: ${prop.description}` : ''}${choices}`;
  });
  return lines.length > 0 ? lines.join('\n') : '(no parameters)';
}

/** Arguments built from the schema: every required parameter with a plausible value. */
export function exampleArguments(schema: Record<string, unknown>): Record<string, unknown> {
  const props = properties(schema);
  const example: Record<string, unknown> = {};
  for (const name of requiredNames(schema)) example[name] = exampleValue(name, props[name] ?? {});
  return example;
}

function exampleValue(name: string, prop: PropertySchema): unknown {
  if (prop.const !== undefined) return prop.const;
  if (Array.isArray(prop.examples) && prop.examples.length > 0) return prop.examples[0];
  if (prop.default !== undefined) return prop.default;
  if (Array.isArray(prop.enum) && prop.enum.length > 0) return prop.enum[0];
  switch (typeName(prop)) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return exampleArguments(prop as Record<string, unknown>);
    default:
      return `<${name}>`;
  }
}

function typeName(prop: PropertySchema): string {
  if (Array.isArray(prop.type)) return prop.type.filter((t) => t !== 'null')[0] ?? 'any';
  return prop.type ?? 'any';
}
