import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { exited } from '../helpers/serve-process.js';
import { parseMarkdown, type CodeBlock, type MarkdownDoc } from '../helpers/markdown.js';

/**
 * The docs are checked like code. Blocks marked with an HTML comment (invisible on GitHub) run:
 * - `<!-- check: run -->`: each line of the next block runs from the repository's root; `npm start`
 *   starts the shim (the embedded default) on a free port, and every `http://127.0.0.1:8080` in the
 *   later commands points there; curl fails on an HTTP error status;
 * - `<!-- check: output -->`: the next block is what the last command printed; `…` stands for
 *   anything, and a `json` block may be broken into lines between tokens;
 * - `<!-- check: config -->`: the next block is a whole config file that loads.
 * Every relative link resolves (to a file, and to a heading for `#anchors`), and the configuration
 * reference documents exactly the keys the config schema has.
 */

const ROOT = path.resolve(__dirname, '../..');
const FILES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const docs = new Map<string, MarkdownDoc>(FILES.map((file) => [file, parseMarkdown(readFileSync(path.join(ROOT, file), 'utf8'))]));
const run = promisify(execFile);

/** The address the docs show; commands are pointed at the shim the docs' `npm start` started. */
const DOCS_URL = 'http://127.0.0.1:8080';
// `npm ci` is how the tree this test runs in was installed; running it again here would replace it mid-run.
const NOT_RUN = new Set(['npm ci']);

let shim: { child: ChildProcess; url: string } | undefined;
let lastOutput: string | undefined;

/** `npm start` without its prestart build (`npm test` built already), on a port the kernel picks. */
function npmStart(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('npm', ['start', '--ignore-scripts'], { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' }, detached: true });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (data: Buffer) => {
      log += data.toString();
      const url = /"message":"listening".*?"url":"([^"]+)"/.exec(log)?.[1];
      if (url) resolve({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${log}`)));
  });
}

/** A block's commands: comment lines dropped, `\` continuations joined. */
function commands(block: CodeBlock): string[] {
  return block.text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

async function runCommand(command: string): Promise<string> {
  if (/^npm start\b/.test(command)) {
    shim ??= await npmStart();
    return '';
  }
  const pointed = command.replaceAll(DOCS_URL, shim?.url ?? DOCS_URL).replace(/^curl /, 'curl --fail-with-body ');
  try {
    const { stdout } = await run('bash', ['-c', pointed], { cwd: ROOT, timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'warn' } });
    return stdout;
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    throw new Error(`\`${command}\` exited with ${code}:\n${stdout}${stderr}`);
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `…` is a wildcard; a JSON block is compared as the one line it was broken from. */
function matchesShown(output: string, block: CodeBlock): boolean {
  const flatten = (text: string) => (block.lang === 'json' ? text.split('\n').map((line) => line.trim()).join('') : text.trimEnd());
  const pattern = flatten(block.text).split('…').map(escapeRegExp).join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(flatten(output));
}

/** Every variable a config names resolves, to a value long enough for an API key. */
const anyEnv = new Proxy({} as NodeJS.ProcessEnv, { get: (_env, name) => (typeof name === 'string' ? `docs-example-${name}` : undefined) });

afterAll(async () => {
  if (!shim) return;
  process.kill(-shim.child.pid!, 'SIGTERM');
  await exited(shim.child);
});

describe.each(FILES)('%s: the marked blocks', (file) => {
  const blocks = docs.get(file)!.blocks.filter((block) => block.check !== undefined);
  if (blocks.length > 0) test.each(blocks.map((block) => [`line ${block.line}, ${block.check}`, block] as const))('%s', async (_name, block) => {
    if (block.check === 'run') {
      for (const command of commands(block)) if (!NOT_RUN.has(command)) lastOutput = await runCommand(command);
    } else if (block.check === 'output') {
      expect(lastOutput).toBeDefined();
      if (!matchesShown(lastOutput!, block)) expect(lastOutput).toBe(block.text);
    } else if (block.check === 'config') {
      expect(() => parseConfig(block.text, anyEnv)).not.toThrow();
    } else {
      throw new Error(`unknown check "${block.check}" at ${file}:${block.line}`);
    }
  });
});

describe('links', () => {
  const targets = [...docs].flatMap(([file, doc]) => [...new Set(doc.links)].filter((link) => !/^[a-z]+:/i.test(link)).map((link) => [file, link] as const));

  test.each(targets)('%s → %s resolves', (file, link) => {
    const [target = '', anchor] = link.split('#');
    const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
    expect(existsSync(path.join(ROOT, resolved))).toBe(true);
    if (anchor === undefined) return;
    const doc = docs.get(resolved) ?? parseMarkdown(readFileSync(path.join(ROOT, resolved), 'utf8'));
    expect([...doc.anchors]).toContain(anchor);
  });

  test('docs/README.md links every doc in docs/', () => {
    const linked = new Set(docs.get('docs/README.md')!.links.map((link) => link.split('#')[0]));
    const others = FILES.filter((file) => file.startsWith('docs/') && file !== 'docs/README.md').map((file) => path.posix.basename(file));
    expect(others.filter((name) => !linked.has(name))).toEqual([]);
  });
});

type SchemaNode = {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: readonly SchemaNode[];
  allOf?: readonly { then?: SchemaNode }[];
};

/** Every key a config file may set, as `server.port`, `mcpServers.<>.tools.include`, `server.apiKeys[].key`. */
function schemaKeys(node: SchemaNode, prefix: string): string[] {
  const named = typeof node.additionalProperties === 'object' && (node.additionalProperties.properties || node.additionalProperties.allOf);
  const objectItems = node.items?.anyOf?.filter((variant) => variant.properties) ?? [];
  if (!node.properties && !named && !node.allOf && objectItems.length === 0) return [prefix];
  return [
    ...Object.entries(node.properties ?? {}).flatMap(([key, child]) => schemaKeys(child, prefix ? `${prefix}.${key}` : key)),
    ...(named ? schemaKeys(node.additionalProperties as SchemaNode, `${prefix}.<>`) : []),
    ...(node.allOf ?? []).flatMap((branch) => (branch.then ? schemaKeys(branch.then, prefix) : [])),
    ...(objectItems.length > 0 ? [prefix, ...objectItems.flatMap((variant) => schemaKeys(variant, `${prefix}[]`))] : []),
  ];
}

describe('docs/configuration.md documents every config key, and only those', () => {
  const inSchema = new Set(schemaKeys(configSchema as unknown as SchemaNode, ''));
  // The reference tables: a first column headed "Key", each key in full (`mcpServers.<name>.prefix`).
  const inDocs = new Set(
    docs
      .get('docs/configuration.md')!
      .tableRows.filter((row) => row.header[0] === 'Key')
      .flatMap((row) => row.codeInFirstCell)
      .map((key) => key.replace(/<[^>]+>/g, '<>')),
  );

  test('every key of the schema is in a reference table', () => {
    expect([...inSchema].filter((key) => !inDocs.has(key))).toEqual([]);
  });

  test('every key in a reference table is in the schema', () => {
    expect([...inDocs].filter((key) => !inSchema.has(key))).toEqual([]);
  });
});

test('no work-period labels or issue numbers in the docs, code, tests or benchmarks', () => {
  const files = ['README.md', ...['docs', 'src', 'tests', 'bench'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name))),
  )];
  // Built from parts, so that this file does not match itself.
  const label = new RegExp(['session', 'issue'].map((word) => `${word} [0-9]`).join('|'), 'i');
  const found = files.flatMap((file) =>
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (label.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
  expect(found).toEqual([]);
});
