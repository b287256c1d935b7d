// Summarize a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time.
//   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof benchmarks/run.ts groupby --tributary-only
//   npx tsx benchmarks/profile.ts /tmp/prof/CPU.*.cpuprofile [top=25] [--inclusive]
// --inclusive ranks functions by the time spent in them and everything they call.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const inclusive = args.includes('--inclusive');
const [file, topArg] = args.filter((a) => a !== '--inclusive');
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const self = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const keyOf = (n: Node): string => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(src|dist|benchmarks|node_modules)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'}  ${url}:${n.callFrame.lineNumber + 1}`;
};
const byFn = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) total += self.get(n.id) ?? 0;
if (inclusive) {
  // Walk the call tree; a function counts once per stack however deep it recurses.
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    let t = self.get(id) ?? 0;
    const key = keyOf(n);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const c of n.children ?? []) t += walk(c, onStack);
    if (fresh) {
      onStack.delete(key);
      byFn.set(key, (byFn.get(key) ?? 0) + t);
    }
    return t;
  };
  walk(prof.nodes[0].id, new Set());
} else {
  for (const n of prof.nodes) byFn.set(keyOf(n), (byFn.get(keyOf(n)) ?? 0) + (self.get(n.id) ?? 0));
}
const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25));
console.log(`total ${(total / 1000).toFixed(0)} ms`);
for (const [k, t] of top) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`);
