// One lint configuration for the whole tree, with type information (typescript-eslint's project
// service finds each file's tsconfig). Formatting is Prettier's job, not ESLint's.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// `process.env` is read in one env module per package, validated there; everything else gets
// typed configuration as an argument.
const envModules = [
  "**/src/env.ts",
  "packages/runtime/src/env.ts",
  "packages/testkit/src/**",
  "packages/bench/src/**",
  "scripts/**",
  "test/**",
  "**/src/test/**",
  "services/chat/bench/**",
  "services/auth/bench/**",
  "services/social/bench/**",
  "examples/**",
  // Runs the Prisma CLI in the caller's environment, whatever it holds.
  "packages/db/src/migrate.ts",
  "**/*.test.ts",
  "**/*.config.ts",
  "**/*.config.js",
  "prisma.config.ts",
];

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/generated/**",
      "**/.turbo/**",
      "test-results/**",
      "bench-results/**",
      "docs/**",
      "data/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "separate-type-imports" }],
      "@typescript-eslint/no-non-null-assertion": "warn",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration in the package's env module." },
      ],
    },
  },
  { files: envModules, rules: { "no-restricted-properties": "off" } },
  {
    files: ["**/*.{js,mjs,cjs}"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["apps/web/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
    },
  },
);
