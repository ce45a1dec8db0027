import type { Config } from 'jest';
import base from './jest.config';

// The suites' own figures are the output that matters; the shim's warnings (upstream down,
// reconnecting) are expected by the hundred in the fault suite. LOG_LEVEL overrides.
process.env.LOG_LEVEL ??= 'error';

/**
 * The fault, fuzz and load suites (`npm run test:faults|test:fuzz|test:load`): `*.suite.ts`
 * files, which `npm test` (jest.config.ts, `*.test.ts`) never picks up. Each script names its
 * folder as jest's path argument.
 */
const config: Config = {
  ...base,
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.suite.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180_000,
  maxWorkers: 1,
  // Counts unhandled rejections and uncaught exceptions (see the file); each suite asserts none.
  testEnvironment: '<rootDir>/tests/faults/process-errors-environment.ts',
};

export default config;
