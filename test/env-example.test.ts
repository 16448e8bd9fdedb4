import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';
import { ROOT } from './helpers/workspace.js';

describe('.env.example', () => {
  it('lists every configuration key, each with a comment', () => {
    const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const keys = [...text.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(keys.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});
