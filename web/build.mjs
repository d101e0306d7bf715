// Builds the submission page into web/dist/ reproducibly: esbuild bundles src/ with pinned
// versions, no timestamps and no source paths in the output; the interface strings are
// exported from the CLI's own Fluent files (client-cli/i18n/*/amanat.ftl) so the wording
// cannot drift; manifest.json lists every file with its SHA-256.
// `node build.mjs --check` rebuilds in memory and fails if web/dist differs (CI runs it).

import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes("--check");
const LANGS = ["kk", "ru", "en"];
// The page uses these keys (and every key starting with one of these prefixes).
const PREFIXES = ["web-", "field-", "event-", "problem-", "section-", "wizard-optional"];

/** A small reader for the subset of Fluent the page needs: `key = text` with continuation
 *  lines and `{ $var }` placeables. Keys with select expressions are left out. */
export function parseFtl(text) {
  const out = {};
  let key = null;
  let value = "";
  const flush = () => {
    if (key && !value.includes("->")) out[key] = value.trim();
    key = null;
    value = "";
  };
  for (const line of text.split("\n")) {
    const m = /^([a-z][a-z0-9-]*)\s*=\s?(.*)$/.exec(line);
    if (m) {
      flush();
      key = m[1];
      value = m[2];
    } else if (key && /^\s+\S/.test(line)) {
      value += "\n" + line.trim();
    } else {
      flush();
    }
  }
  flush();
  return out;
}

function messages() {
  const all = {};
  for (const lang of LANGS) {
    const ftl = parseFtl(readFileSync(join(here, "../client-cli/i18n", lang, "amanat.ftl"), "utf8"));
    all[lang] = Object.fromEntries(Object.entries(ftl).filter(([k]) => PREFIXES.some((p) => k.startsWith(p))));
  }
  return all;
}

const messagesPlugin = {
  name: "amanat-messages",
  setup(b) {
    b.onResolve({ filter: /^virtual:messages$/ }, () => ({ path: "messages", namespace: "amanat" }));
    b.onLoad({ filter: /.*/, namespace: "amanat" }, () => ({
      contents: `export default ${JSON.stringify(messages())};`,
      loader: "js",
    }));
  },
};

async function bundle(entry) {
  const r = await build({
    entryPoints: [join(here, "src", entry)],
    bundle: true,
    format: "iife",
    target: ["es2020"],
    minify: true,
    legalComments: "eof",
    charset: "utf8",
    write: false,
    sourcemap: false,
    logLevel: "warning",
    plugins: [messagesPlugin],
  });
  return r.outputFiles[0].contents;
}

async function files() {
  const out = {
    "index.html": readFileSync(join(here, "src/index.html")),
    "style.css": readFileSync(join(here, "src/style.css")),
    "favicon.svg": readFileSync(join(here, "src/favicon.svg")),
    "app.js": await bundle("main.ts"),
    "worker.js": await bundle("worker.ts"),
  };
  const manifest = {
    format: 1,
    files: Object.keys(out)
      .sort()
      .map((name) => ({ path: name, sha256: createHash("sha256").update(out[name]).digest("hex"), length: out[name].length })),
  };
  out["manifest.json"] = Buffer.from(JSON.stringify(manifest, null, 1) + "\n");
  return out;
}

const built = await files();
const dist = join(here, "dist");
if (check) {
  const have = readdirSync(dist).sort();
  const want = Object.keys(built).sort();
  let bad = JSON.stringify(have) !== JSON.stringify(want) ? [`files: ${have} vs ${want}`] : [];
  for (const name of want) {
    const cur = (() => {
      try {
        return readFileSync(join(dist, name));
      } catch {
        return Buffer.alloc(0);
      }
    })();
    if (!cur.equals(Buffer.from(built[name]))) bad.push(name);
  }
  if (bad.length) {
    console.error(`web/dist is not what the sources build (${bad.join(", ")}): run \`npm run build\` in web/ and commit`);
    process.exit(1);
  }
  console.log(`web/dist matches a fresh build (${want.length} files)`);
} else {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist);
  for (const [name, bytes] of Object.entries(built)) writeFileSync(join(dist, name), bytes);
  const m = createHash("sha256").update(built["manifest.json"]).digest("hex");
  console.log(`built web/dist: ${Object.keys(built).length} files, manifest sha256 ${m}`);
}
