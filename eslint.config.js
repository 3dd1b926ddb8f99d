// Lint rules, type-aware: the checker's types catch promises left floating and unsafe `any` flows.
// Formatting is Prettier's job alone, so eslint-config-prettier switches off every style rule.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "vendor/", "fixtures/", "output/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "bench/*.mjs", "test/helpers/*.mjs", "bin/*.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  prettier,
);
