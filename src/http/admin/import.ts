/**
 * `/admin/subscribers/import`: CSV import in the browser with a per-line error report.
 */
import type { Hono } from 'hono';
import type { App } from '../../app.js';
import type { AdminDeps } from './pages.js';

/** Installs the routes; call after the admin gate is in place. */
export function importRoutes(_http: Hono, _app: App, _deps: AdminDeps): void {}
