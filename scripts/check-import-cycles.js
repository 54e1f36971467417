#!/usr/bin/env node
/**
 * Fails when the modules under src/ import each other in a circle. Every kind of import counts:
 * `import type`, `export … from`, `import('…')` (in types too) and `require`, since a type-only
 * circle still ties the files' layers together. Imports are read with TypeScript's own scanner
 * (ts.preProcessFile: no comments, no strings), and resolved as Node resolves relative paths.
 *
 * Usage: node scripts/check-import-cycles.js [root, default src]
 * Prints each strongly connected group of files with one circle through it, and exits 1.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const repo = path.resolve(__dirname, '..');
const root = path.resolve(repo, process.argv[2] ?? 'src');

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolve(from, specifier) {
  if (!specifier.startsWith('.')) return null; // a package, not ours
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const files = sourceFiles(root);
const edges = new Map(
  files.map((file) => {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.map((f) => resolve(file, f.fileName)).filter((t) => t !== null && t.startsWith(root));
    return [file, [...new Set(targets)]];
  }),
);

// Tarjan's strongly connected components: every circle lies inside one component.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function connect(v) {
  index.set(v, counter);
  low.set(v, counter);
  counter += 1;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v), index.get(w)));
    }
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(component);
  }
}
for (const file of files) if (!index.has(file)) connect(file);

/** The shortest circle from `start` back to itself inside its component (breadth first). */
function shortestCircle(start, members) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const circle = [start];
        for (let at = v; at !== start; at = previous.get(at)) circle.splice(1, 0, at);
        return [...circle, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const shown = (file) => path.relative(repo, file);
if (components.length === 0) {
  process.stdout.write(`No import circle among ${files.length} files under ${shown(root)}/\n`);
  process.exit(0);
}
process.stderr.write(`${components.length} import circle${components.length > 1 ? 's' : ''} under ${shown(root)}/ (type-only imports count):\n`);
for (const component of components) {
  const members = new Set(component);
  const start = [...component].sort()[0];
  process.stderr.write(`\n  ${component.length} files: ${[...component].sort().map(shown).join(', ')}\n`);
  process.stderr.write(`  e.g. ${shortestCircle(start, members).map(shown).join('\n    → ')}\n`);
}
process.exit(1);
