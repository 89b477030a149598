// Bundle each contribution folder under src/ (except shared/) into dist/<id>/<id>.{html,js,css}.
// Folder name = contribution id = bundle name, as in azure-devops-extension-sample.
// The build writes nothing environment-specific: the backend URL comes from dist/config.json at run time.
// Every page is the same shell around its bundle, so the build writes it from one template; the title is
// the contribution's name in its partial manifest (manifest/contributions/<id>.json).
import { build } from "esbuild";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

const SRC = "src";
const OUT = "dist";
const MANIFESTS = join("..", "manifest", "contributions");

async function contributionIds() {
  const ids = [];
  for (const name of (await readdir(SRC)).sort()) {
    if (name === "shared") continue;
    if ((await stat(join(SRC, name))).isDirectory()) ids.push(name);
  }
  return ids;
}

// azure-devops-ui imports polyfills for browsers older than the build's targets (Promise, Object.assign,
// String methods, IntersectionObserver: CommonImports.js). Every target has them natively, so the polyfills
// would only be parsed and then skip themselves; leaving them out saves about 18 KB of script to parse
// on every load (bench/ui_load.py).
const LEGACY_POLYFILLS = /^(es6-promise\/auto|es6-object-assign\/auto|es6-string-polyfills|intersection-observer)$/;
const withoutLegacyPolyfills = {
  name: "without-legacy-polyfills",
  setup(build) {
    build.onResolve({ filter: LEGACY_POLYFILLS }, (args) => ({ path: args.path, namespace: "legacy-polyfill" }));
    build.onLoad({ filter: /.*/, namespace: "legacy-polyfill" }, () => ({ contents: "", loader: "js" }));
  },
};

async function bundle(id) {
  const outdir = join(OUT, id);
  await build({
    entryPoints: { [id]: join(SRC, id, `${id}.tsx`) },
    outdir,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: "iife",
    target: ["chrome100", "firefox100", "safari15"],
    legalComments: "none",
    // azure-devops-ui ships CSS next to its components and icon fonts referenced from that CSS.
    loader: { ".woff": "file", ".woff2": "file" },
    assetNames: "[name]-[hash]",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
    metafile: false,
    plugins: [withoutLegacyPolyfills],
  });
  await writeFile(join(outdir, `${id}.html`), page(id, await contributionName(id)));
}

/** The contribution's display name from its partial manifest; the build fails without one. */
async function contributionName(id) {
  const path = join(MANIFESTS, `${id}.json`);
  const partial = JSON.parse(await readFile(path, "utf8"));
  const contribution = (partial.contributions || []).find((c) => c.id === id);
  const name = contribution && contribution.properties && contribution.properties.name;
  if (typeof name !== "string" || !name) throw new Error(`${path}: no contribution "${id}" with properties.name`);
  return name;
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/**
 * The page Azure DevOps frames: its stylesheet, a root for React, and its bundle. Every frame is a page of
 * its own to assistive technology, so each has one main landmark holding all its content and a level-one
 * heading naming the contribution (visually hidden: the host already shows the name around the frame).
 */
function page(id, title) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(title)}</title>
  <link rel="stylesheet" href="${id}.css">
</head>
<body>
  <main class="rb-main">
    <h1 class="rb-page-heading">${escapeHtml(title)}</h1>
    <div id="root"></div>
  </main>
  <script src="${id}.js"></script>
</body>
</html>
`;
}

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
const ids = await contributionIds();
for (const id of ids) await bundle(id);
console.log(`built ${ids.length} contributions into ${OUT}/: ${ids.join(", ")}`);
