/** A JSON Schema as a plain object. */
export type Schema = Record<string, unknown>;

/** A tool's input schema made fit for an OpenAPI document, and the component schemas it refers to. */
export interface EmbeddedSchema {
  schema: Schema;
  components: Record<string, Schema>;
}

const COMPONENTS = '#/components/schemas/';
const DEFINITION_KEYS = ['$defs', 'definitions'] as const;
// Values of these keywords are data, not schemas: a `$ref` or `items` inside them is left alone.
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/**
 * A tool's JSON Schema as an OpenAPI 3.1 schema named `name`. Embedded as it is, its local `$ref`s
 * (`#/$defs/x`) would point at the document's root, so its `$defs` (and draft-07 `definitions`)
 * become component schemas `<name>.<def>` and those refs are rewritten to them. A ref into the
 * schema itself (`#`, `#/properties/…`) makes the whole schema a component `<name>`, which the
 * returned schema then refers to. `$schema` and `$id` go: the document sets the dialect and base
 * URI. Draft-07 tuples (`items: [...]`, `additionalItems`) become 2020-12's `prefixItems`/`items`.
 * Unchanged parts are shared with the tool's schema, not copied.
 */
export function embedSchema(toolSchema: Schema, name: string): EmbeddedSchema {
  const { $schema: _schema, $id: _id, $defs, definitions, ...root } = toolSchema;
  const defined = new Map<string, string>();
  const used = new Set<string>();
  const sources: [string, unknown][] = [];
  for (const [key, defs] of [['$defs', $defs], ['definitions', definitions]] as const) {
    if (!isObject(defs)) continue;
    for (const [def, schema] of Object.entries(defs)) {
      const component = uniqueName(`${name}.${def.replace(/[^A-Za-z0-9._-]/g, '_')}`, used);
      defined.set(`${key}/${escapePointer(def)}`, component);
      sources.push([component, schema]);
    }
  }

  let refersToRoot = false;
  const rewriteRef = (ref: string): string => {
    if (!ref.startsWith('#')) return ref;
    const pointer = ref.slice(1);
    const [, key, def, ...rest] = pointer.split('/');
    const component = key !== undefined && (DEFINITION_KEYS as readonly string[]).includes(key) ? defined.get(`${key}/${percentDecoded(def ?? '')}`) : undefined;
    if (component !== undefined) return [`${COMPONENTS}${component}`, ...rest].join('/');
    refersToRoot = true;
    return `${COMPONENTS}${name}${pointer}`;
  };

  const components: Record<string, Schema> = {};
  for (const [component, schema] of sources) components[component] = rewrite(schema, rewriteRef) as Schema;
  const schema = rewrite(root, rewriteRef) as Schema;
  if (!refersToRoot) return { schema, components };
  components[name] = schema;
  return { schema: { $ref: `${COMPONENTS}${name}` }, components };
}

/** The schema with its refs rewritten and draft-07 tuples in 2020-12 form; the same object where nothing changed. */
function rewrite(node: unknown, rewriteRef: (ref: string) => string): unknown {
  if (Array.isArray(node)) {
    const out = node.map((item) => rewrite(item, rewriteRef));
    return out.some((item, i) => item !== node[i]) ? out : node;
  }
  if (!isObject(node)) return node;
  let changed = false;
  const out: Schema = {};
  const tuple = Array.isArray(node.items);
  for (const [key, value] of Object.entries(node)) {
    let next = value;
    let as = key;
    if (key === '$ref' && typeof value === 'string') next = rewriteRef(value);
    else if (!DATA_KEYWORDS.has(key)) next = rewrite(value, rewriteRef);
    if (tuple && key === 'items') as = 'prefixItems';
    if (tuple && key === 'additionalItems') as = 'items';
    if (next !== value || as !== key) changed = true;
    out[as] = next;
  }
  return changed ? out : node;
}

function isObject(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A JSON Pointer token as it appears in a ref, before percent-decoding. */
function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function uniqueName(wanted: string, used: Set<string>): string {
  let name = wanted;
  for (let n = 2; used.has(name); n += 1) name = `${wanted}_${n}`;
  used.add(name);
  return name;
}
