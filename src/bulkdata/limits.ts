// Counting what one body holds against the collector's limits, as it is read, so that an oversized
// report stops the parse instead of being built whole first.

import { BulkDataError } from "./errors.js";
import type { BulkDataReport, BulkDataValue, ParseLimits } from "./types.js";

export class ReportCollector {
  readonly reports: BulkDataReport[] = [];
  private values = 0;
  constructor(private readonly limits: ParseLimits) {}

  report(collectedAt: Date | null): BulkDataValue[] {
    if (this.reports.length >= this.limits.maxReports) throw new BulkDataError("BULKDATA_LIMIT", `more than ${this.limits.maxReports} reports in one body`);
    const values: BulkDataValue[] = [];
    this.reports.push({ collectedAt, values });
    return values;
  }

  add(into: BulkDataValue[], path: string, value: string, type?: string): void {
    if (++this.values > this.limits.maxValues) throw new BulkDataError("BULKDATA_LIMIT", `more than ${this.limits.maxValues} values in one body`);
    const longest = Math.max(path.length, value.length);
    if (longest > this.limits.maxValueLength) {
      throw new BulkDataError("BULKDATA_LIMIT", `parameter ${path.slice(0, 128)} has a name or value of ${longest} characters; at most ${this.limits.maxValueLength} are accepted`);
    }
    into.push(type === undefined ? { path, value } : { path, value, type });
  }
}
