/**
 * Enforces the layering rules of DESIGN.md §2 over src/:
 *   1. nothing under src/core imports a Node module (`node:*` or a bare builtin name) or code
 *      outside core, so the core stays browser-safe (its tests, `*.test.ts`, run under Node
 *      and may);
 *   2. there are no import cycles anywhere (type-only imports excepted: they vanish at run
 *      time, and a class and the helpers that take it as a parameter may name each other).
 * Exits non-zero with one line per violation.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? "src");
const builtins = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

const IMPORT_RE = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?["']([^"']+)["']/gm;

function importsOf(file: string): ImportRef[] {
  const text = readFileSync(file, "utf8");
  const refs: ImportRef[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    refs.push({ specifier: m[4]!, typeOnly: m[2] !== undefined });
  }
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) {
    refs.push({ specifier: m[1]!, typeOnly: false });
  }
  return refs;
}

const files = sourceFiles(root);
const problems: string[] = [];
const graph = new Map<string, string[]>();
const coreDir = `${join(root, "core")}/`;

for (const file of files) {
  const inCore = file.startsWith(coreDir) && !file.endsWith(".test.ts");
  const edges: string[] = [];
  for (const ref of importsOf(file)) {
    const spec = ref.specifier;
    const isNode = spec.startsWith("node:") || builtins.has(spec.split("/")[0]!);
    if (inCore && isNode) {
      problems.push(`${relative(".", file)}: core must stay browser-safe but imports "${spec}"`);
    }
    if (spec.startsWith(".") && !ref.typeOnly) {
      edges.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
    if (inCore && spec.startsWith(".")) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(coreDir)) {
        problems.push(`${relative(".", file)}: core must not import outside core ("${spec}")`);
      }
    }
  }
  graph.set(file, edges);
}

// Depth-first search with colours; report each cycle once by its path.
const state = new Map<string, "visiting" | "done">();
const stack: string[] = [];
function visit(node: string): void {
  state.set(node, "visiting");
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    const s = state.get(next);
    if (s === "visiting") {
      const cycle = stack.slice(stack.indexOf(next)).concat(next);
      problems.push(`import cycle: ${cycle.map((f) => relative(".", f)).join(" -> ")}`);
    } else if (s === undefined) {
      visit(next);
    }
  }
  stack.pop();
  state.set(node, "done");
}
for (const file of files) if (!state.has(file)) visit(file);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`imports ok: ${files.length} files, no node: imports in core, no cycles`);
