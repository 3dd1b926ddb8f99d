// `npm run build`, after tsc: bundles the CLI (src/main.ts and every dependency it loads) into one
// CommonJS file, dist/runa-batch.cjs, which bin/runa-batch.js compiles with a V8 code cache, then
// makes that cache from a real run (validate --simulate of the sample file). One file, so each
// class exists once (`instanceof BatchError` holds everywhere); a module the sources import lazily
// is still evaluated only when that import runs (esbuild wraps it in a function called there).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(ROOT, "dist", "runa-batch.cjs");
const CACHE = `${BUNDLE}.cache`;

// Each module keeps the import.meta.url it has in the source tree, found from the bundle's place at
// run time: fixtures/catalog.json, our package.json and yargs's own files resolve as they did.
/** @type {import("esbuild").Plugin} */
const sourceTreeUrls = {
  name: "source-tree-import-meta-url",
  setup(bundler) {
    bundler.onLoad({ filter: /\.(ts|js|mjs)$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const fromBundle = relative(dirname(BUNDLE), args.path).split("\\").join("/");
      return {
        contents: text.replaceAll("import.meta.url", `__sourceTreeUrl(${JSON.stringify(fromBundle)})`),
        loader: args.path.endsWith(".ts") ? "ts" : "js",
      };
    });
  },
};

// Dependencies that do costly work as they load, for features we rarely or never use, get a
// stand-in (scripts/lazy-*.cjs) that loads the real module on first use.
const LOOKUP = Symbol("the plugin's own lookup");
/** @type {Record<string, string>} */
const LAZY = { "string-width": "lazy-string-width.cjs", "http2-wrapper": "lazy-http2-wrapper.cjs" };
/** @type {import("esbuild").Plugin} */
const lazyDependencies = {
  name: "lazy-dependencies",
  setup(bundler) {
    const standIns = new Set(Object.values(LAZY).map((file) => join(ROOT, "scripts", file)));
    bundler.onResolve({ filter: new RegExp(`^(${Object.keys(LAZY).join("|")})$`) }, async (args) => {
      if (standIns.has(args.importer) || args.pluginData === LOOKUP) return undefined;
      // The stand-in loads the copy it resolves to. Where the importer has another copy (e.g. node_modules
      // installed before package.json's overrides), it gets that copy itself, loaded as it always was.
      const standIn = join(ROOT, "scripts", LAZY[args.path]);
      const [wanted, loaded] = await Promise.all([
        bundler.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: LOOKUP }),
        bundler.resolve(args.path, { kind: "require-call", resolveDir: dirname(standIn), pluginData: LOOKUP }),
      ]);
      if (wanted.path !== loaded.path) {
        const text = `${args.importer} has its own ${args.path}, loaded at start; \`npm install\` dedupes it`;
        return { path: wanted.path, warnings: [{ text }] };
      }
      return { path: standIn };
    });
  },
};

rmSync(CACHE, { force: true }); // never leave a cache beside a bundle it was not made from
const { metafile } = await build({
  entryPoints: [join(ROOT, "src", "main.ts")],
  absWorkingDir: ROOT, // modules are named by their path from here (test/cli/lazy-imports.test.ts reads them)
  outfile: BUNDLE,
  bundle: true,
  platform: "node",
  format: "cjs",
  // The sources' syntax as it is: every dependency already runs as written on the Nodes we support,
  // and lowering would cost start-up (e.g. a /v regular expression literal into `new RegExp`).
  target: "esnext",
  keepNames: true, // class and function names as written: they show in error stacks and `.name`
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
  banner: {
    js: 'const __sourceTreeUrl = (path) => require("node:url").pathToFileURL(require("node:path").join(__dirname, path)).href;',
  },
  plugins: [sourceTreeUrls, lazyDependencies],
  metafile: true,
});
// Which modules the bundle holds (test/cli/lazy-imports.test.ts reads it; the package does not ship it).
writeFileSync(join(ROOT, "dist", "runa-batch.meta.json"), JSON.stringify(metafile));

const scratch = mkdtempSync(join(tmpdir(), "runa-batch-build-"));
try {
  const run = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "runa-batch.js"), "validate", join(ROOT, "fixtures", "sample-rewards.csv"), "--simulate"],
    {
      cwd: scratch,
      // Node's own flags change the code it compiles: none here, as none at a user's start.
      env: { PATH: process.env.PATH, HOME: scratch, RUNA_STATE_DIR: scratch, RUNA_BATCH_SAVE_CODE_CACHE: CACHE },
      encoding: "utf8",
    },
  );
  if (run.status !== 0) throw new Error(`the run that makes the code cache failed:\n${run.stdout}${run.stderr}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
