/**
 * `npm run test:cluster`: repolink on a 3-node Galera cluster and on a primary with a replica
 * (each test file starts its own servers on 127.0.0.1). CLUSTER_TEST=short is the form CI runs.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.cluster.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
  },
  setupFiles: ['reflect-metadata'],
  testTimeout: 300000,
  maxWorkers: 1,
};
