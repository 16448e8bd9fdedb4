/**
 * The SQL store, runs: the scheduler's run records (the last KEEP_RUNS), each source's health,
 * and the operator's alerts (one open row per condition, enforced by a partial unique index).
 */
import type { Selectable } from 'kysely';
import { type Alert, KEEP_RUNS, type RunRecord, type RunTrigger, type SourceHealth } from '../runs.js';
import type { AlertsTable, SourceHealthTable } from '../schema.js';
import { Queries } from './context.js';

/** The store's scheduler runs, sources' health and the operator's alerts (`RunStore`). */
export class RunQueries extends Queries {
  async startRun(trigger: RunTrigger, at: string): Promise<number> {
    const row = await this.db.insertInto('runs').values({ trigger, started_at: at, sources: '[]', issues: '[]' }).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async finishRun(id: number, run: Pick<RunRecord, 'finishedAt' | 'sources' | 'issues' | 'summary'>, keep = KEEP_RUNS): Promise<void> {
    await this.ctx.transaction(async (tx) => {
      await tx.db
        .updateTable('runs')
        .set({ finished_at: run.finishedAt, sources: JSON.stringify(run.sources), issues: JSON.stringify(run.issues), summary: run.summary })
        .where('id', '=', id)
        .execute();
      const oldest = await tx.db
        .selectFrom('runs')
        .select('id')
        .orderBy('id', 'desc')
        .offset(keep - 1)
        .limit(1)
        .executeTakeFirst();
      if (oldest) await tx.db.deleteFrom('runs').where('id', '<', oldest.id).execute();
    });
  }

  async recentRuns(limit: number): Promise<RunRecord[]> {
    const rows = await this.db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      trigger: r.trigger as RunTrigger,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      sources: JSON.parse(r.sources),
      issues: JSON.parse(r.issues),
      summary: r.summary,
    }));
  }

  async recordSourceResult(source: string, result: { ok: true } | { ok: false; error: string }, at: string): Promise<SourceHealth> {
    return this.ctx.transaction(async (tx) => {
      const before = await tx.db.selectFrom('source_health').selectAll().where('source', '=', source).executeTakeFirst();
      const row: Selectable<SourceHealthTable> = result.ok
        ? {
            source,
            last_success_at: at,
            last_failure_at: before?.last_failure_at ?? null,
            last_error: before?.last_error ?? null,
            consecutive_failures: 0,
            failing_since: null,
          }
        : {
            source,
            last_success_at: before?.last_success_at ?? null,
            last_failure_at: at,
            last_error: result.error,
            consecutive_failures: Number(before?.consecutive_failures ?? 0) + 1,
            failing_since: before?.failing_since ?? at,
          };
      if (before) await tx.db.updateTable('source_health').set(row).where('source', '=', source).execute();
      else await tx.db.insertInto('source_health').values(row).execute();
      return toHealth(row);
    });
  }

  async sourceHealth(): Promise<SourceHealth[]> {
    const rows = await this.db.selectFrom('source_health').selectAll().orderBy('source').execute();
    return rows.map(toHealth);
  }

  async openAlerts(): Promise<Alert[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('cleared_at', 'is', null).orderBy('id').execute();
    return rows.map(toAlert);
  }

  async openAlert(a: { key: string; subject: string; detail: string }, at: string): Promise<Alert | undefined> {
    // The partial unique index on (key) where cleared_at is null: of two processes, one opens it.
    const row = await this.db
      .insertInto('alerts')
      .values({ key: a.key, subject: a.subject, detail: a.detail, opened_at: at })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toAlert(row);
  }

  async claimAlert(id: number, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('alerts')
      .set({ alerted_at: at })
      .where('id', '=', id)
      .where('alerted_at', 'is', null)
      .where('cleared_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async unclaimAlert(id: number): Promise<void> {
    await this.db.updateTable('alerts').set({ alerted_at: null }).where('id', '=', id).execute();
  }

  async clearAlert(id: number, at: string): Promise<boolean> {
    const r = await this.db.updateTable('alerts').set({ cleared_at: at }).where('id', '=', id).where('cleared_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

function toHealth(r: Selectable<SourceHealthTable>): SourceHealth {
  return {
    source: r.source,
    lastSuccessAt: r.last_success_at,
    lastFailureAt: r.last_failure_at,
    lastError: r.last_error,
    consecutiveFailures: Number(r.consecutive_failures),
    failingSince: r.failing_since,
  };
}

function toAlert(r: Selectable<AlertsTable>): Alert {
  return {
    id: Number(r.id),
    key: r.key,
    subject: r.subject,
    detail: r.detail,
    openedAt: r.opened_at,
    alertedAt: r.alerted_at,
    clearedAt: r.cleared_at,
  };
}
