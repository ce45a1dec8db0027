// Request lines would drown the test report; warnings and errors still show. LOG_LEVEL overrides.
process.env.LOG_LEVEL ??= 'warn';
