import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningShim } from '../../src/server.js';
import { startRestAdapter, TEST_SERVER, type RestAdapter } from '../fixtures/rest-adapter.js';
import { startTestShim } from '../helpers/shim.js';

export const PG_SERVER = path.resolve(__dirname, '../../node_modules/@henkey/postgres-mcp-server/build/index.js');

/** Runs SQL statements with psql on the e2e database. */
export async function psql(sql: string): Promise<string> {
  return (await promisify(execFile)('psql', [process.env.E2E_DATABASE_URL!, '-At', '-c', sql])).stdout;
}

/** The rows PostgreSQL itself returns for the query `sql`, as JSON objects. */
export async function psqlJson(sql: string): Promise<Record<string, unknown>[]> {
  return JSON.parse(await psql(`SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM (${sql}) q`)) as Record<string, unknown>[];
}

/** The field report's seed query. */
export const SEED = { operation: 'select', query: 'SELECT datname FROM pg_database WHERE datistemplate = false ORDER BY datname' };

export interface PostgresShims {
  /** The PostgreSQL MCP server (stdio) and the test server, straight behind the shim. */
  direct: RunningShim;
  /** The field report's REST adapter in front of the same PostgreSQL server; it counts calls. */
  adapter: RestAdapter;
  /** A shim whose one upstream is that adapter. */
  viaAdapter: RunningShim;
  close(): Promise<void>;
}

/** The e2e suite's shims over the real PostgreSQL that tests/e2e/run.sh starts (E2E_DATABASE_URL). */
export async function startPostgresShims(testServerTools: string[]): Promise<PostgresShims> {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error('E2E_DATABASE_URL is not set: run the e2e suite with `npm run test:e2e`');
  const direct = await startTestShim({
    postgres: { command: process.execPath, args: [PG_SERVER], env: { POSTGRES_CONNECTION_STRING: databaseUrl } },
    db: { command: process.execPath, args: [TEST_SERVER], tools: { include: testServerTools } },
  });
  const adapter = await startRestAdapter('raw', PG_SERVER, { POSTGRES_CONNECTION_STRING: databaseUrl });
  const viaAdapter = await startTestShim({ adapter: { type: 'rest', url: adapter.url } });
  return {
    direct,
    adapter,
    viaAdapter,
    async close() {
      await viaAdapter.close();
      await adapter.close();
      await direct.close();
    },
  };
}
