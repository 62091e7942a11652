import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Only libs/runtime loads the OpenTelemetry SDK (and only when tracing is on); the rest
// of the code makes spans through @opentelemetry/api with a tracer it is given.
const OTEL_SDK = ['@opentelemetry/sdk-*', '@opentelemetry/exporter-*', '@opentelemetry/core', '@opentelemetry/resources', '@opentelemetry/context-async-hooks'];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.cache/**', '**/.nx/**', 'libs/proto/src/generated/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Apps depend on libs, never on each other; only the storage lib talks to Redis and
      // AWS, only the stream lib to Kafka; dev tools (type:tool) may use anything, and
      // nothing may import a tool.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:app', bannedExternalImports: ['ioredis', '@aws-sdk/*', 'kafkajs'] },
            { sourceTag: 'scope:proto', bannedExternalImports: ['ioredis', '@aws-sdk/*', 'kafkajs'] },
            { sourceTag: 'scope:model', bannedExternalImports: ['ioredis', '@aws-sdk/*', 'kafkajs', '@grpc/*'] },
            { sourceTag: 'scope:runtime', bannedExternalImports: ['ioredis', '@aws-sdk/*', 'kafkajs'] },
            // The stream lib's one AWS import is the credential chain, for MSK IAM SASL.
            { sourceTag: 'scope:stream', bannedExternalImports: ['ioredis', '@aws-sdk/client-*', '@aws-sdk/lib-*'] },
            ...['type:app', 'scope:stream', 'scope:storage', 'scope:model', 'scope:proto'].map((sourceTag) => ({ sourceTag, bannedExternalImports: OTEL_SDK })),
          ],
        },
      ],
    },
  },
  // Test mechanisms (@strata/testing) and a lib's fakes (@strata/<lib>/testing) never ship:
  // in apps and libs only specs, test/ folders, benchmarks and the testing code itself
  // import them. Dev tools (tools/) may.
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '*/*/test/**', '*/*/bench/**', 'libs/*/src/testing/**', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@strata/testing', '@strata/*/testing'], message: 'test support: import it from specs, test/ or bench/ only' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
