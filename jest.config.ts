import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The end-to-end suite needs LiteLLM and PostgreSQL: `npm run test:e2e` (jest.e2e.config.ts).
  testPathIgnorePatterns: ['/node_modules/', '/tests/e2e/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Sources import siblings as `./x.js` (Node ESM-style specifiers); jest resolves the .ts file.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFiles: ['<rootDir>/tests/helpers/quiet-logs.ts'],
  testTimeout: 30_000,
  // Real child processes and servers: keep the 2-core machine from thrashing.
  maxWorkers: 2,
};

export default config;
