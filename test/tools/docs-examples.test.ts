import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRuntime, MapScriptLoader } from '../../src/index';
import { settleHostCalls } from '../../src/spec/SpecRunner';

// Every ```lua block in README.md and docs/*.md runs here, so the docs cannot rot.
//   ```lua                 run as a main chunk for `steps` steps (default 120)
//   ```lua steps=600       run longer
//   ```lua file=enemy.lua  not run: registered as a module for the blocks after it
//   ```lua no-run          not run (fragments, editor-only snippets)
//   ```lua errors          expected to report errors; the output block lists them as "error: <message>"
//   ```json level=hall     not run: registered as level "hall" for the blocks after it (level.load)
// An ```output block right after a run block must equal the prints, one per line.

interface Example {
  readonly lang: string;
  readonly doc: string;
  readonly line: number;
  readonly source: string;
  readonly options: Map<string, string>;
  readonly output?: string[];
}

function parseExamples(doc: string, text: string): Example[] {
  const blocks = [...text.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```\s*$/gm)];
  const examples: Example[] = [];
  blocks.forEach((block, i) => {
    if (block[1] !== 'lua' && block[1] !== 'json') return;
    const options = new Map(
      block[2]!.trim().split(/\s+/).filter(Boolean).map((w) => {
        const [k, v] = w.split('=');
        return [k!, v ?? 'true'] as [string, string];
      }),
    );
    const next = blocks[i + 1];
    const between = next ? text.slice(block.index! + block[0].length, next.index) : '';
    const output = next && next[1] === 'output' && between.trim() === '' ? next[3]!.replace(/\n$/, '').split('\n') : undefined;
    const line = text.slice(0, block.index).split('\n').length;
    if (block[1] === 'json' && !options.has('level')) return;
    examples.push({ lang: block[1]!, doc, line, source: block[3]!, options, output });
  });
  return examples;
}

const root = new URL('../../', import.meta.url);
const docs = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

for (const doc of docs) {
  const examples = parseExamples(doc, readFileSync(new URL(doc, root), 'utf8'));
  const runnable = examples.filter((e) => e.lang === 'lua' && !e.options.has('file') && !e.options.has('no-run'));
  if (runnable.length === 0) continue;
  describe(`The examples in ${doc}`, () => {
    const modules = new MapScriptLoader({}, `${doc} examples`);
    const levels: Record<string, unknown> = {};
    for (const example of examples) {
      if (example.lang === 'json') {
        levels[example.options.get('level')!] = example.source;
        continue;
      }
      const file = example.options.get('file');
      if (file) {
        modules.set(file, example.source);
        continue;
      }
      if (example.options.has('no-run')) continue;
      it(`run: the example at line ${example.line}`, async () => {
        const rt = await createRuntime({ scriptRoots: [modules], levels, assets: { ship: 'ship.png', rock: 'rock.png' } });
        const out: string[] = [];
        rt.on('print', (t) => out.push(t));
        rt.on('error', (e) => out.push(`error: ${e.message}`));
        rt.runSource(example.source, `example.lua`);
        const steps = Number(example.options.get('steps') ?? 120);
        for (let i = 0; i < steps; i++) {
          if (rt.pendingHostCallCount > 0) await settleHostCalls(); // as moonstep run and test do
          rt.step();
        }
        rt.close();
        if (!example.options.has('errors')) expect(out.filter((l) => l.startsWith('error: '))).toEqual([]);
        if (example.output) expect(out).toEqual(example.output);
      });
    }
  });
}
