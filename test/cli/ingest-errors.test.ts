/**
 * Issue 16, item 8: every ingest error names the file (or URL) and the cause, exits 65 (bad data)
 * or 66 (no input), and writes nothing. Deeply nested XML exited 70 with fast-xml-parser's bare
 * "Maximum nested tags exceeded", naming no file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const feed = (inner: string) =>
  `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2509.00001v1</id><title>T</title>${inner}</entry></feed>`;
const nested = (depth: number) => `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;

describe('ingest errors', () => {
  const cases: [string, string, string, RegExp, number][] = [
    ['XML nested 200 levels deep', 'deep.xml', feed(nested(200)), /^paperboy: error: deep\.xml: XML nested deeper than 100 levels$/, 65],
    ['XML nested 100,000 levels deep', 'deeper.xml', feed(nested(100_000)), /^paperboy: error: deeper\.xml: XML nested deeper than 100 levels$/, 65],
    ['JSON nested 100,000 levels deep', 'deep.json', `{"papers":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /^paperboy: error: deep\.json: papers\[0\]: /, 65],
    ['a folder', 'folder.txt', '', /^paperboy: error: folder\.txt: not a file$/, 66],
  ];

  it.each(cases)('%s: names the file and the cause, exits 65 or 66, changes nothing', async (_name, file, content, message, code) => {
    ws = workspace();
    expect((await ws.cli(['ingest', 'fixtures/none.txt'])).code).toBe(66);
    if (file === 'folder.txt') mkdirSync(path.join(ws.dir, file));
    else writeFileSync(path.join(ws.dir, file), content);
    const before = ws.dbBytes();
    const r = await ws.cli(['ingest', file]);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.code).toBe(code);
    expect(ws.dbBytes().equals(before)).toBe(true);
  });

  it('takes a feed nested as deep as real ones are', async () => {
    ws = workspace();
    writeFileSync(path.join(ws.dir, 'ok.xml'), feed(`<summary>Fine.</summary>${nested(90)}`));
    const r = await ws.cli(['ingest', 'ok.xml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 papers \(1 new/);
  });
});
