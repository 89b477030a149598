// Bundle each contribution folder under src/ (except shared/) into dist/<id>/<id>.{html,js,css}.
// Folder name = contribution id = bundle name, as in azure-devops-extension-sample.
// The build writes nothing environment-specific: the backend URL comes from dist/config.json at run time.
import { build } from "esbuild";
import { copyFile, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

const SRC = "src";
const OUT = "dist";

async function contributionIds() {
  const ids = [];
  for (const name of (await readdir(SRC)).sort()) {
    if (name === "shared") continue;
    if ((await stat(join(SRC, name))).isDirectory()) ids.push(name);
  }
  return ids;
}

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
  });
  await copyFile(join(SRC, id, `${id}.html`), join(outdir, `${id}.html`));
}

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
const ids = await contributionIds();
for (const id of ids) await bundle(id);
console.log(`built ${ids.length} contributions into ${OUT}/: ${ids.join(", ")}`);
