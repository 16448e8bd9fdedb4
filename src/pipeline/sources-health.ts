/**
 * Each configured source's health, as `paperboy status` and the admin overview show it: the
 * sources of DIGEST_SOURCE in their order, each `ok`, `failing` or `not-run` (no run has
 * recorded it yet) with its streak. The shape is the one `paperboy status --json` prints.
 */
import type { RunStore, SourceHealth } from '../store/runs.js';
import { describeHealth } from './describe-run.js';

/** One configured source's state and streak. */
export interface ConfiguredSource extends SourceHealth {
  state: 'ok' | 'failing' | 'not-run';
}

/** The health of every configured source (DIGEST_SOURCE, split: `sources/splitSources`), in its order. */
export async function configuredSourcesHealth(store: Pick<RunStore, 'sourceHealth'>, sources: string[]): Promise<ConfiguredSource[]> {
  const health = new Map((await store.sourceHealth()).map((h) => [h.source, h]));
  return sources.map((source) => {
    const h = health.get(source);
    const state = !h ? 'not-run' : h.consecutiveFailures > 0 ? 'failing' : 'ok';
    const { source: _s, ...streak } = h ?? { source, lastSuccessAt: null, lastFailureAt: null, lastError: null, consecutiveFailures: 0, failingSince: null };
    return { source, state, ...streak };
  });
}

/** One line for a configured source: "ok (last success …)", "failing (…): error" or "not run yet". */
export function describeSourceHealth(s: ConfiguredSource): string {
  return describeHealth(s.state === 'not-run' ? undefined : s);
}
