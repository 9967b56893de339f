// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Orchestrators replay: anything that reads the clock, randomness, the environment or does I/O
// would make a replay diverge from its history. These rules fence the orchestrations/ folder.
const deterministic = {
  files: ['orchestrations/**/*.ts'],
  rules: {
    'no-restricted-globals': [
      'error',
      { name: 'process', message: 'Orchestrations must not read the environment; pass configuration in the input.' },
      { name: 'setTimeout', message: 'Use context.df.createTimer in orchestrations.' },
      { name: 'setInterval', message: 'Use context.df.createTimer in orchestrations.' },
      { name: 'fetch', message: 'Orchestrations do no I/O; call an activity.' },
    ],
    'no-restricted-syntax': [
      'error',
      { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use context.df.currentUtcDateTime.' },
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use context.df.currentUtcDateTime.' },
      {
        selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
        message: 'Orchestrations must be deterministic.',
      },
      { selector: "CallExpression[callee.object.name='crypto']", message: 'Use context.df.newGuid.' },
    ],
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['node:*', 'fs', 'http', 'https', 'net', 'crypto', 'os', 'child_process'], message: 'Orchestrations do no I/O.' },
          {
            group: [
              '@azure/storage-*',
              '@azure/identity',
              '@microsoft/microsoft-graph-client',
              '**/functions/**',
              '**/graph/**',
              '**/storage/**',
              '**/shared/run/**',
            ],
            message: 'Orchestrations do no I/O; call an activity.',
          },
          // (flat config: this rule replaces the product fence's here, so its patterns are repeated)
          {
            group: ['**/local/**', '**/tests/**', '**/bench/**', '**/scripts/**', '**/infra/**', '@autopilot-intake/*'],
            message: 'The app may not import tooling (local stack, tests, bench, scripts, infra).',
          },
        ],
      },
    ],
  },
};

// The deployed app is functions/, orchestrations/ and shared/: it may not import the local stack,
// tests, benchmarks or scripts (the product build and package must not carry tooling).
const productFence = {
  files: ['functions/**/*.ts', 'orchestrations/**/*.ts', 'shared/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/local/**', '**/tests/**', '**/bench/**', '**/scripts/**', '**/infra/**', '@autopilot-intake/*'],
            message: 'The app may not import tooling (local stack, tests, bench, scripts, infra).',
          },
        ],
      },
    ],
  },
};

// Small files with one job: the orchestration reads as the process, a run step stays one role.
const fileSize = [
  { files: ['orchestrations/**/*.ts'], rules: { 'max-lines': ['error', { max: 80, skipBlankLines: true, skipComments: true }] } },
  { files: ['shared/run/**/*.ts'], rules: { 'max-lines': ['error', { max: 200, skipBlankLines: true, skipComments: true }] } },
];

// The dashboard renders rows from CSVs anyone could write: its DOM is built from text nodes only
// (dashboard/dom.ts), and it imports only types from the app (the bundle carries no server code), but
// for plain data files named here.
const dashboardFence = {
  files: ['dashboard/**/*.ts'],
  rules: {
    'no-restricted-properties': [
      'error',
      ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'write', 'writeln', 'createContextualFragment', 'setHTMLUnsafe'].map(
        (property) => ({
          property,
          message: 'Build DOM with dashboard/dom.ts (text nodes): data from a CSV must never be parsed as HTML.',
        }),
      ),
    ],
    'no-restricted-syntax': [
      'error',
      { selector: "CallExpression[callee.property.name='setAttribute'][arguments.0.value=/^on/i]", message: 'No inline event handlers.' },
    ],
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            // (Plain data the page shares with the app: the reconciliation's classes, so its filter cannot drift from the schema.)
            regex: '^\\.\\./(functions|shared)/(?!reconcile/drift-classes$)',
            allowTypeImports: true,
            message: 'The page imports only types from the app.',
          },
        ],
      },
    ],
  },
};

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', '.azurite/**', '.local/**', 'coverage/**', '.bench/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  productFence,
  dashboardFence,
  ...fileSize,
  deterministic,
);
