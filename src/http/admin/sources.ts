/**
 * `/admin/sources`: each configured source with its last fetch, result, counts and errors; "ingest now".
 */
import type { Hono } from 'hono';
import type { App } from '../../app.js';
import type { AdminDeps } from './pages.js';

/** Installs the routes; call after the admin gate is in place. */
export function sourceRoutes(_http: Hono, _app: App, _deps: AdminDeps): void {}
