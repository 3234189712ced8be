// What a request cost in D1, from D1's own result `meta` (D1 bills by rows read and written): one
// wrapper around the binding, so no handler counts by hand. Every statement goes through `all()`
// or `run()`, because `first()` and `raw()` do not return `meta`; `first()` then takes the first row
// (D1's own `first()` does not add a LIMIT either, so the cost is the same) and `raw()` maps the
// row objects to arrays in column order, as drizzle itself does with batch results.

export interface D1Cost {
  queries: number;
  rowsRead: number;
  rowsWritten: number;
  /** Wall time spent waiting for D1, in milliseconds (overlapping calls count once each). */
  waitedMs: number;
  /** D1's own execution time, summed over statements. */
  sqlMs: number;
}

export class D1Meter {
  readonly cost: D1Cost = { queries: 0, rowsRead: 0, rowsWritten: 0, waitedMs: 0, sqlMs: 0 };

  /** The binding to hand out instead of the real one. */
  wrap(d1: D1Database): D1Database {
    return new MeteredDatabase(d1, this) as unknown as D1Database;
  }

  record(results: readonly D1Result[], startedAt: number): void {
    this.cost.waitedMs += Date.now() - startedAt;
    for (const { meta } of results) {
      this.cost.queries++;
      this.cost.rowsRead += meta?.rows_read ?? 0;
      this.cost.rowsWritten += meta?.rows_written ?? 0;
      this.cost.sqlMs += meta?.duration ?? 0;
    }
  }

  /** The Server-Timing value: `db` (time waiting for D1) and `d1` (statements, rows read, rows written). */
  serverTiming(): string {
    const { queries, rowsRead, rowsWritten, waitedMs, sqlMs } = this.cost;
    return `db;dur=${waitedMs.toFixed(1)}, d1;desc="q=${queries} rr=${rowsRead} rw=${rowsWritten}";dur=${sqlMs.toFixed(2)}`;
  }
}

class MeteredDatabase {
  constructor(
    private readonly d1: D1Database,
    private readonly meter: D1Meter,
  ) {}

  prepare(query: string): MeteredStatement {
    return new MeteredStatement(this.d1.prepare(query), this.meter);
  }

  async batch<T = unknown>(statements: MeteredStatement[]): Promise<D1Result<T>[]> {
    const startedAt = Date.now();
    const results = await this.d1.batch<T>(statements.map((s) => s.inner));
    this.meter.record(results, startedAt);
    return results;
  }

  async exec(query: string): Promise<D1ExecResult> {
    const startedAt = Date.now();
    const result = await this.d1.exec(query);
    this.meter.cost.queries += result.count;
    this.meter.cost.waitedMs += Date.now() - startedAt;
    return result;
  }

  withSession(constraintOrBookmark?: string): D1DatabaseSession {
    return this.d1.withSession(constraintOrBookmark);
  }

  dump(): Promise<ArrayBuffer> {
    return this.d1.dump();
  }
}

class MeteredStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly meter: D1Meter,
  ) {}

  bind(...values: unknown[]): MeteredStatement {
    return new MeteredStatement(this.inner.bind(...values), this.meter);
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const startedAt = Date.now();
    const result = await this.inner.all<T>();
    this.meter.record([result], startedAt);
    return result;
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const startedAt = Date.now();
    const result = await this.inner.run<T>();
    this.meter.record([result], startedAt);
    return result;
  }

  async first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    const row = (await this.all<Record<string, unknown>>()).results[0];
    if (row === undefined) return null;
    return (column === undefined ? row : (row[column] ?? null)) as T | null;
  }

  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    const { results } = await this.all<Record<string, unknown>>();
    const rows = results.map((row) => Object.values(row)) as T[];
    if (!options?.columnNames) return rows;
    return [Object.keys(results[0] ?? {}) as T, ...rows];
  }
}
