#!/usr/bin/env node
/**
 * `npm run test:pg`: the whole suite again, on PostgreSQL. Every workspace and temporary store
 * gets a fresh database on the server at PAPERBOY_TEST_PG (default: the local one), dropped
 * after. Without a server the pass says so and is skipped, visibly, with exit code 0; under
 * PAPERBOY_REQUIRE_ALL=1 (`.ci/run`, which starts the server first) it fails instead.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const url = process.env.PAPERBOY_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  const { rows } = await client.query('show server_version');
  await client.end();
  console.log(`== PostgreSQL pass: every store is a fresh database on ${url} (server ${rows[0].server_version})`);
} catch (err) {
  console.log(`== PostgreSQL pass SKIPPED: no server at ${url} (${err.message}); start one, or set PAPERBOY_TEST_PG`);
  process.exit(process.env.PAPERBOY_REQUIRE_ALL === '1' ? 1 : 0);
}
const r = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, PAPERBOY_TEST_PG: url } });
process.exit(r.status ?? 1);
