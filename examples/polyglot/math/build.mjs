// Builds math.wasm with componentize-js (the library jco componentize wraps).
// Usage: node math/build.mjs OUT.wasm
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { component } = await componentize({
  sourcePath: join(here, 'app.js'),
  witPath: join(here, 'math.wit'),
  worldName: 'math',
});
await writeFile(process.argv[2], component);
