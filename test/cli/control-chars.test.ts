/**
 * Issue 16, item 6, the command line's edges: NUL and other control characters in arguments,
 * import files and digests are refused (one line, non-zero exit, the store as it was) or
 * stripped before a store sees them. PostgreSQL refuses NUL in text outright, so a NUL that got
 * through was an exit 74 there, and other control characters reached terminals and pages.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Workspace, workspace } from '../helpers/workspace.js';

/** NUL, other C0 controls, a terminal escape, DEL, a C1 control (CSI), the line separator. */
const CONTROLS = ['\u0000', '\u0001', '\u001b[31m', '\u007f', '\u009b', '\u2028'];
// eslint-disable-next-line no-control-regex -- the test looks for control characters
const ANY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

describe('arguments', () => {
  it('refuses a control character in an address, topic, zone or frequency with one line, changing nothing', async () => {
    ws = workspace();
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org'])).code).toBe(0);
    const before = ws.dbBytes();
    for (const c of CONTROLS) {
      const cases = [
        ['subscribers', 'add', `gra${c}ce@example.org`],
        ['subscribers', 'add', 'grace@example.org', '--topics', `a${c}i`],
        ['subscribers', 'add', 'grace@example.org', '--timezone', `Europe/${c}Paris`],
        ['subscribers', 'add', 'grace@example.org', '--frequency', `dai${c}ly`],
        ['subscribers', 'remove', `ad${c}a@example.org`],
        ['subscribers', 'forget', `ad${c}a@example.org`],
        ['ingest', `fixtures/trending${c}papers.txt`],
        ['subscribers', 'import', `list${c}.csv`],
      ];
      for (const args of cases) {
        const r = await ws.cli(args);
        expect(r.code, JSON.stringify(args)).toBeGreaterThanOrEqual(64);
        expect(r.code, JSON.stringify(args)).not.toBe(70);
        expect(r.stderr.trimEnd().split('\n'), JSON.stringify(args)).toHaveLength(1);
        expect(r.stderr, JSON.stringify(args)).not.toMatch(ANY_CONTROL);
      }
    }
    expect(ws.dbBytes().equals(before)).toBe(true);
  });
});

describe('import files', () => {
  it('reports a control character in any CSV or JSON field by line, and imports the clean rows', async () => {
    ws = workspace();
    for (const c of CONTROLS) {
      const csv = path.join(ws.dir, 'list.csv');
      const rows = [
        'email,status,topics,frequency,timezone,created_at',
        'clean@example.org,active,ai,daily,Europe/Paris,2024-01-01T00:00:00.000Z',
        `"e${c}mail@example.org",active,,,,`,
        `status@example.org,"act${c}ive",,,,`,
        `topics@example.org,,"a${c}i",,,`,
        `frequency@example.org,,,"dai${c}ly",,`,
        `zone@example.org,,,,"Europe/${c}Paris",`,
        `created@example.org,,,,,"2024-01-01${c}T00:00:00Z"`,
      ];
      writeFileSync(csv, `${rows.join('\n')}\n`);
      const r = await ws.cli(['subscribers', 'import', csv]);
      expect(r.code).toBe(0);
      expect(r.stdout, JSON.stringify(c)).toMatch(/ 6 bad rows skipped/);
      expect(r.stderr.match(/list\.csv:(\d+):/g)).toEqual(['list.csv:3:', 'list.csv:4:', 'list.csv:5:', 'list.csv:6:', 'list.csv:7:', 'list.csv:8:']);
      expect(r.stderr).not.toMatch(ANY_CONTROL);

      const json = path.join(ws.dir, 'list.json');
      const entries = [
        { email: `e${c}mail@example.org` },
        { email: 'topics@example.org', topics: [`a${c}i`] },
        { email: 'zone@example.org', timezone: `Europe/${c}Paris` },
        { email: 'times@example.org', updated_at: `2024${c}-01-01` },
      ];
      writeFileSync(json, `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`);
      const j = await ws.cli(['subscribers', 'import', json]);
      expect(j.code).toBe(0);
      expect(j.stdout).toMatch(/0 added, 0 already on the list, 4 bad rows skipped/);
      expect(j.stderr).not.toMatch(ANY_CONTROL);
    }
    const list = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout) as { email: string }[];
    expect(list.map((s) => s.email)).toEqual(['clean@example.org']);
  });
});

describe('digests', () => {
  it('strip control characters from every field of every source before storing', async () => {
    ws = workspace();
    const c = CONTROLS.join('');
    const json = path.join(ws.dir, 'digest.json');
    const paper = {
      title: `A ${c}title`,
      abstract: `An ${c}abstract`,
      authors: [`Ada ${c}Lovelace`],
      url: `https://example.org/${c}page`,
      code_url: `https://github.com/${c}x`,
      tldr: `Short ${c}summary`,
      keywords: [`key${c}word`],
      organization: `Org${c}anisation`,
    };
    writeFileSync(json, JSON.stringify({ byline: `by ${c}someone`, papers: [paper] }));
    const xml = path.join(ws.dir, 'feed.xml');
    writeFileSync(
      xml,
      `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<entry><id>http://arxiv.org/abs/2509.00001v1</id><title>Feed\u009b title\u0085</title><summary>Feed\u007f abstract</summary>
<author><name>Grace\u2028 Hopper</name></author><category term="cs.AI"/><arxiv:primary_category term="cs.CL"/>
<link href="http://arxiv.org/abs/2509.00001v1" rel="alternate"/><published>2025-09-01T00:00:00Z</published></entry></feed>`,
    );
    const rss = path.join(ws.dir, 'feed.rss');
    writeFileSync(
      rss,
      `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>cs</title>
<item><title>Rss\u0085 title</title><description>arXiv:2509.00002v1 Announce Type: new
Abstract: Rss\u009b abstract</description><guid>oai:arXiv.org:2509.00002v1</guid><link>https://arxiv.org/abs/2509.00002</link>
<category>cs\u009b.LG</category><category>stat\u0085.ML</category><dc:creator>Alan\u007f Turing, Ada Lovelace</dc:creator></item></channel></rss>`,
    );
    for (const file of [json, xml, rss]) {
      const r = await ws.cli(['ingest', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/1 papers \(1 new/);
    }
    const stored = ws.rows<Record<string, string>>('select title, abstract, authors, links, extra, source from papers order by seq');
    expect(stored).toHaveLength(3);
    for (const row of stored) {
      for (const [k, v] of Object.entries(row)) expect(v ?? '', `${k}: ${JSON.stringify(v)}`).not.toMatch(ANY_CONTROL);
    }
    expect(stored[0]!.title).toBe('A [31m title');
    expect(stored[1]!.title).toBe('Feed title');
    expect(JSON.parse(stored[1]!.authors!)).toEqual(['Grace Hopper']);
    expect(JSON.parse(stored[2]!.extra!).categories).toEqual(['cs.LG', 'stat.ML']);
    expect(JSON.parse(stored[2]!.authors!)).toEqual(['Alan Turing', 'Ada Lovelace']);
  });
});
