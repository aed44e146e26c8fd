// ESLint's recommended rules over the sources and tests, with Node.js's
// globals (process, console, Buffer) and Bun's own (`Bun`): the standard
// setup of a JavaScript service. ESLint is a dev dependency only; the
// service itself has none.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/'] },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.node, Bun: 'readonly' },
    },
  },
];
