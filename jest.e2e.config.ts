import type { Config } from 'jest';
import base from './jest.config';

/** The end-to-end suite: a real LiteLLM proxy and PostgreSQL, started by tests/e2e/run.sh. */
const config: Config = {
  ...base,
  roots: ['<rootDir>/tests/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120_000,
  maxWorkers: 1,
};

export default config;
