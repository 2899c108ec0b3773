// Assembles the release site from wasm-bindgen's output, as cargo-leptos 0.3.10 does with
// `hash-files = true` and `--precompress` (same names, same hash.txt), with node's own
// modules only: nothing to install, nothing to compile.
//   node scripts/site.mjs <bindgen-dir> <site-dir> <hash-file>
// <bindgen-dir> holds wasm-bindgen's output (helpdesk.js, helpdesk.wasm after wasm-opt, the
// .d.ts files, snippets/); <site-dir> must not exist yet (scripts/build.sh moves it in place).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { promisify } from "node:util";

const [bindgenDir, siteDir, hashFile] = process.argv.slice(2);
if (!hashFile) {
  console.error("usage: node scripts/site.mjs <bindgen-dir> <site-dir> <hash-file>");
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const name = "helpdesk";
const pkgDir = path.join(siteDir, "pkg");

// public/ mirrored at the site's root (cargo-leptos's assets-dir; it skips index.html and pkg).
fs.mkdirSync(siteDir, { recursive: true });
fs.cpSync(path.join(root, "public"), siteDir, {
  recursive: true,
  filter: (src) => !["index.html", "pkg"].includes(path.relative(path.join(root, "public"), src)),
});
fs.cpSync(bindgenDir, pkgDir, { recursive: true });
// Plain CSS, copied as it is: lightningcss's minifying saved 346 bytes of 2.5 KB once
// brotli-compressed, not worth a tool to install.
fs.copyFileSync(path.join(root, "style", "main.css"), path.join(pkgDir, `${name}.css`));

// Content hashes as cargo-leptos computes them: md5, base64url without padding, put between a
// file's stem and its last extension ("helpdesk.d.ts" -> "helpdesk.d.<hash>.ts"). wasm-bindgen's
// snippets keep their names: the wasm imports them by name.
const md5 = (file) => createHash("md5").update(fs.readFileSync(file)).digest("base64url");
const files = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
const hashes = new Map();
for (const file of files(pkgDir)) {
  if (file.includes("snippets")) continue;
  if (file.endsWith(".css") && file !== path.join(pkgDir, `${name}.css`)) continue;
  hashes.set(file, md5(file));
}
const renamed = new Map();
for (const [file, hash] of hashes) {
  const ext = path.extname(file);
  const hashed = path.join(path.dirname(file), `${path.basename(file, ext)}.${hash}${ext}`);
  fs.renameSync(file, hashed);
  renamed.set(file, hashed);
}
// The js file names its siblings by their old names (cargo-leptos rewrites them the same way;
// its hash in hash.txt stays the one of the content before this rewrite).
const js = renamed.get(path.join(pkgDir, `${name}.js`));
let text = fs.readFileSync(js, "utf8");
for (const [from, to] of renamed) {
  text = text.replaceAll(path.relative(pkgDir, from), path.relative(pkgDir, to));
}
fs.writeFileSync(js, text);
const hashOf = (file) => hashes.get(path.join(pkgDir, file));
fs.mkdirSync(path.dirname(hashFile), { recursive: true });
fs.writeFileSync(
  hashFile,
  `js: ${hashOf(`${name}.js`)}\nwasm: ${hashOf(`${name}.wasm`)}\ncss: ${hashOf(`${name}.css`)}\n`,
);

// Precompressed copies of every file of the site, once at the best ratio (brotli's quality 11
// and 4 MB window, cargo-leptos's defaults too): the server sends them as they are.
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
await Promise.all(
  files(siteDir).map(async (file) => {
    const data = fs.readFileSync(file);
    const [br, gz] = await Promise.all([
      brotli(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
      gzip(data, { level: 9 }),
    ]);
    fs.writeFileSync(`${file}.br`, br);
    fs.writeFileSync(`${file}.gz`, gz);
  }),
);
