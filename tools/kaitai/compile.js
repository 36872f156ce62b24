// Compile .ksy files to Python with Kaitai Struct's own compiler (the npm package
// kaitai-struct-compiler, which has no command line): the independent truth for .ksy semantics.
//
//   node tools/kaitai/compile.js OUT_DIR FILE.ksy [FILE.ksy ...]
//
// Imports are looked up beside the importing file. Prints the names of the files written.
"use strict";
const fs = require("fs");
const path = require("path");
const compiler = require("kaitai-struct-compiler");
const YAML = require("js-yaml");

function importer(base) {
  return {
    importYaml(name, mode) {
      const file = path.isAbsolute(name) ? name + ".ksy" : path.join(base, name + ".ksy");
      return Promise.resolve(YAML.load(fs.readFileSync(file, "utf8")));
    },
  };
}

async function main() {
  const [out, ...files] = process.argv.slice(2);
  fs.mkdirSync(out, { recursive: true });
  for (const file of files) {
    const ksy = YAML.load(fs.readFileSync(file, "utf8"));
    const written = await compiler.compile("python", ksy, importer(path.dirname(file)), false);
    for (const [name, text] of Object.entries(written)) {
      fs.writeFileSync(path.join(out, name), text);
      console.log(name);
    }
  }
}

main().catch((err) => {
  console.error(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
