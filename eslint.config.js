// @ts-check
/**
 * ESLint, flat config (`npm run lint`; Prettier does the formatting, so no style rules here).
 *
 * - @eslint/js and typescript-eslint's recommended rules on every file.
 * - Three type-aware rules on the TypeScript: a promise nobody awaits, one passed where nothing
 *   awaits it, and an `await` of something that is not a promise (in a sender, a dropped promise
 *   is a lost ledger write). The whole type-aware set is not on: its `no-unsafe-*` rules are
 *   about values typed `any` (JSON.parse in tests), which `no-explicit-any` already keeps out of
 *   the code's own types.
 * - DESIGN.md's sizes on src/ and emails/: a function fits on a screen (80 lines), a file stays
 *   under 300 (blank lines and comments not counted). Tests are not held to them.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** The Node globals the few plain JavaScript files use (TypeScript files get theirs from @types/node). */
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'module', 'require'].map((name) => [name, 'readonly']),
);

export default defineConfig(
  { ignores: ['dist/', 'fixtures/', 'subscribers/', 'outbox/', 'test/artifacts/', '.react-email/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a value left unused on purpose (a field taken out of a rest
      // spread, a parameter a callback's shape requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `let child` declared before the callbacks that use it and assigned once after (the
      // process they stop starts later): a const there would be in its dead zone.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], languageOptions: { globals: NODE_GLOBALS } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'emails/**/*.ts', 'emails/**/*.tsx'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
    },
  },
);
