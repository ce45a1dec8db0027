// Resolved at run time from the package root, both from dist/ and from src/ under ts-jest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (require('../package.json') as { version: string }).version;
