// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/architecture.md, as the rule that enforces them: each folder of src may import
 * the folders listed (and itself), nothing else of ours. Workflows may also import activity
 * modules for their types (`import type`), which the bundle drops.
 */
/** Everything but the demo and the local stack themselves. */
const BELOW_LOCAL = [
  'domain',
  'config',
  'connectors',
  'activities',
  'workflows',
  'client',
  'bootstrap',
  'workers',
  'starters',
  'simulators',
];

const LAYERS = {
  domain: [],
  config: ['domain'],
  connectors: ['domain'],
  activities: ['domain', 'connectors'],
  workflows: ['domain'],
  client: ['domain', 'config', 'workflows'],
  bootstrap: ['domain', 'config', 'connectors'],
  workers: ['domain', 'config', 'connectors', 'activities', 'workflows', 'client', 'bootstrap'],
  starters: ['domain', 'config', 'connectors', 'workflows', 'client', 'bootstrap'],
  simulators: ['domain'],
  // The local stack runs everything in-process; the demo runs on top of it.
  local: BELOW_LOCAL,
  demo: [...BELOW_LOCAL, 'local'],
};

/** Above the workflows, only their contracts are code to import: the workflow modules themselves run in the sandbox. */
const CONTRACTS_ONLY = ['client', 'workers', 'starters'];

/** An import of `folder` from anywhere below src, however many `../` it takes. */
const importsOf = (folder) => ({ regex: `^(\\.\\./)+${folder}(/|$)` });

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => {
  const forbidden = Object.keys(LAYERS).filter((other) => other !== folder && !allowed.includes(other));
  const patterns = forbidden
    .filter((other) => !(folder === 'workflows' && other === 'activities'))
    .map((other) => ({
      ...importsOf(other),
      message: `${folder} may import only ${allowed.join(', ') || 'nothing of ours'} (docs/architecture.md, Layers)`,
    }));
  if (CONTRACTS_ONLY.includes(folder)) {
    patterns.push({
      regex: '^(\\.\\./)+workflows/(?!([a-z-]+-contract|task-queues|search-attributes)$)',
      message: `${folder} imports only workflow contracts (<flow>-contract.ts, task-queues.ts, search-attributes.ts), never a workflow module`,
    });
  }
  if (folder === 'workflows') {
    // The SDK's advice: workflow code runs in a deterministic sandbox without Node's modules, and
    // reaches activities only through proxies, so it imports their types and nothing else.
    patterns.push({
      ...importsOf('activities'),
      allowTypeImports: true,
      message: 'workflows import only the types of activities (import type)',
    });
    patterns.push({
      regex: `^(node:.*|(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/.*)?)$`,
      message: 'no Node built-ins in workflow code: it runs in the deterministic workflow sandbox',
    });
  }
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tools/**', 'deploy/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its error, and in a workflow its ordering: the samples' first rule.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'object-shorthand': ['error', 'always'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Tests read raw wire bodies and fake the odd dependency; `any` there buys little to forbid.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...layerRules,
  prettier,
);
