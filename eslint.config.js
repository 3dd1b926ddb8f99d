// Lint rules, type-aware: the checker's types catch promises left floating and unsafe `any` flows.
// Formatting is Prettier's job alone, so eslint-config-prettier switches off every style rule.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

const nodeGlobals = { process: "readonly", console: "readonly", URL: "readonly", Buffer: "readonly" };

export default tseslint.config(
  { ignores: ["dist/", "vendor/", "fixtures/", "output/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: nodeGlobals,
      parserOptions: {
        projectService: {
          allowDefaultProject: ["*.js", "bin/*.js", "bench/*.mjs", "test/helpers/*.mjs", "scripts/*.{mjs,cjs}"],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An async method that fulfils a Promise-returning interface without awaiting is correct, and
      // `async` turns a throw into the rejection its callers handle.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // The bundle's stand-ins (scripts/lazy-*.cjs) load a dependency on first use: only require() can, synchronously.
    files: ["scripts/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["test/**", "bench/**"],
    rules: {
      // Tests and benches read JSON the CLI and the simulator wrote and check it with assertions;
      // typing every parsed value would add casts, not safety.
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  prettier,
);
