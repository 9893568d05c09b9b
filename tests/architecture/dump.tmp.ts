import { importsOf, listTsFiles, findCycles } from './import-graph.ts';
const files = [...listTsFiles('operator/src'), ...listTsFiles('trainer/src')];
const folder = (f: string) => f.split('/').slice(0, f.startsWith('operator') ? 3 : 3).join('/').replace(/\.ts$/, '');
const pairs = new Map<string, number>();
const graph = new Map<string, string[]>();
for (const f of files) {
  const e = importsOf(f);
  graph.set(f, e.filter((x) => x.to).map((x) => x.to!));
  for (const x of e) {
    const k = x.to ? `${folder(f)} -> ${folder(x.to)}` : `${folder(f)} -> ${x.specifier.startsWith('node:') ? x.specifier : 'pkg:' + x.specifier}`;
    if (x.to && folder(f) === folder(x.to)) continue;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
  }
}
for (const [k, v] of [...pairs].sort()) console.log(v, k);
console.log('CYCLES', JSON.stringify(findCycles(graph), null, 1));
