// ESLint's recommended rules over the sources and tests, with Node.js's
// globals (process, console, Buffer): the standard setup of a JavaScript service.
// Express knows an error middleware by its four parameters, so an unused one
// is named with a leading underscore (the usual convention).
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/'] },
  js.configs.recommended,
  { languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: globals.node } },
  { rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_' }] } },
];
