import { defineConfig } from 'vitest/config';

/** `npm run bench`: the benchmarks, one file at a time, printing their figures. */
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench.ts'],
    testTimeout: 600_000,
    fileParallelism: false,
    pool: 'forks',
    silent: false,
  },
});
