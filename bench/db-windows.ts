// Database windows: a cell's database work is the delta between two snapshots of its database,
// one when the cell's group begins, the next when another group begins on that database (or when
// the servers have stopped). Only that cell's traffic reaches the database in between.
import { DbMonitor, type DbSnapshot } from './cost';
import type { Progress } from './progress';
import type { CellRecord } from './results';

export class DbWindows {
  private open = new Map<DbMonitor, { cell: CellRecord; start: DbSnapshot & { settled: boolean } }>();

  constructor(
    private readonly settle: boolean,
    private readonly progress: Progress,
  ) {}

  async begin(db: DbMonitor, cell: CellRecord): Promise<void> {
    const snap = await this.snapshot(db);
    this.close(db, snap);
    this.open.set(db, { cell, start: snap });
  }

  /** After the servers stopped (their backends flushed on exit): close every window. */
  async end(dbs: DbMonitor[]): Promise<void> {
    for (const db of dbs) {
      if (!this.open.has(db)) continue;
      const gone = await db.waitForNoBackends();
      const snap = await db.snapshot({ settle: this.settle && !gone });
      this.close(db, { ...snap, settled: snap.settled || gone });
    }
  }

  private async snapshot(db: DbMonitor) {
    return db.snapshot({
      settle: this.settle,
      onWait: (ms) => this.progress.note(`waiting ${(ms / 1000).toFixed(1)} s for Postgres to flush the statistics of ${db.name}`),
    });
  }

  private close(db: DbMonitor, end: DbSnapshot & { settled: boolean }): void {
    const w = this.open.get(db);
    if (!w) return;
    this.open.delete(db);
    const d = DbMonitor.delta(w.start, end);
    const requests = [w.cell.warmup, ...w.cell.rounds].reduce((s, r) => s + (r?.sent ?? 0), 0);
    w.cell.db = { xacts: d.xacts, tables: d.tables, requests, settled: w.start.settled && end.settled };
  }
}
