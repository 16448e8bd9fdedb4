import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe('paperboy preview', () => {
  it('writes the next issue as HTML and prints its text part, changing nothing', async () => {
    ws = workspace();
    await ws.cli(['ingest', SEED]);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const before = ws.dbBytes();
    const out = path.join(ws.dir, 'next.html');
    const r = await ws.cli(['preview', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/30 papers, 1 recipients, [\d.]+ KB HTML/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html/);
    expect(html).toContain('X-LLM: Bootstrapping Advanced Large Language Models');
    const text = await ws.cli(['preview', '--text']);
    expect(text.stdout).toMatch(/^Paperboy: Get trending papers in your email inbox!\n/);
    expect(text.stdout).toContain('1. X-LLM: Bootstrapping Advanced Large Language Models');
    expect(text.stdout).toContain('Unsubscribe: https://news.example.org/unsubscribe/');
    expect(ws.dbBytes().equals(before)).toBe(true);
    expect(existsSync(path.join(ws.dir, 'outbox'))).toBe(false);
  });

  it('says when there is nothing to preview', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    expect((await ws.cli(['preview'])).stdout).toBe('daily: no new papers; nothing to preview\n');
  });

  it('send --dry-run writes one .eml per recipient and leaves the ledger alone', async () => {
    ws = workspace();
    await ws.cli(['ingest', SEED]);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await ws.cli(['subscribers', 'add', 'alan@example.org']);
    const before = ws.dbBytes();
    const dir = path.join(ws.dir, 'dry');
    const r = await ws.cli(['send', '--dry-run', '--outbox', dir]);
    expect(r.stdout).toMatch(/Dry run daily: .*wrote 2 messages to dry \(ledger unchanged\)/);
    expect(existsSync(path.join(dir, 'dry-run-daily-subscriber-1.eml'))).toBe(true);
    expect(ws.dbBytes().equals(before)).toBe(true);
    expect((await ws.cli(['send', '--outbox', path.join(ws.dir, 'out')])).stdout).toMatch(/Sent issue #1 .*2 sent/);
  });
});
