import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Replaces (or appends) one `## <name>` section of docs/benchmarks.md, leaving the others as they are. */
export async function writeSection(file: string, name: string, section: string): Promise<void> {
  let doc: string;
  try {
    doc = await readFile(file, 'utf8');
  } catch {
    doc =
      '# Benchmarks\n\nNumbers measured on a real machine with the full local stack; each section says how it was run and on what hardware. Re-run a benchmark to replace its section.\n\n';
  }
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${name}`);
  if (start === -1) {
    doc = `${doc.replace(/\n*$/, '\n\n')}${section.trimEnd()}\n`;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end === -1) end = lines.length;
    const after = lines.slice(end).join('\n');
    doc = `${lines.slice(0, start).join('\n')}${start ? '\n' : ''}${section.trimEnd()}\n${after ? `\n${after}` : ''}`;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, doc.endsWith('\n') ? doc : `${doc}\n`);
}
