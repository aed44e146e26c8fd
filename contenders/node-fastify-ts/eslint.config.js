// ESLint's recommended rules and typescript-eslint's recommended rules (the
// standard setup of a TypeScript service), over the sources; dist/ is tsc's output.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
);
