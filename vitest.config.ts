import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `source` condition, so tests
// run against src/ without a build step.
const resolve = { conditions: ['source', 'module', 'node', 'development|production'] };

export default defineConfig({
  resolve,
  test: {
    projects: [
      {
        resolve,
        ssr: { resolve: { conditions: resolve.conditions } },
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: resolve.conditions } },
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/src/**/*.int.test.ts'],
          globalSetup: ['./scripts/vitest-integration-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One Docker daemon and two cores: files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
