// What a Bulk Data report becomes, and what a parse is told: the encodings and layouts of TR-181's
// Device.BulkData.Profile.{i} (the same in TR-157's BulkData component that TR-098 devices carry).

export type JsonReportFormat = "ObjectHierarchy" | "NameValuePair";
export type CsvReportFormat = "ParameterPerRow" | "ParameterPerColumn";
export type ReportFormat = JsonReportFormat | CsvReportFormat;

export interface BulkDataValue {
  path: string;
  value: string;
  /** The xsd type, when the report gives one (CSV ParameterPerRow's ParameterType column). */
  type?: string;
}

export interface BulkDataReport {
  /** When the device collected the values (CollectionTime, ReportTimestamp); null when it did not say. */
  collectedAt: Date | null;
  values: BulkDataValue[];
}

/** A profile's CSVEncoding settings, when the collector knows them; devices' defaults otherwise. */
export interface CsvSettings {
  fieldSeparator?: string;
  rowSeparator?: string;
  escapeCharacter?: string;
}

export interface ParseLimits {
  /** Reports in one body. */
  maxReports: number;
  /** Values in one body, all reports together. */
  maxValues: number;
  /** Characters of one parameter name or value. */
  maxValueLength: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxReports: 1000, maxValues: 20_000, maxValueLength: 4096 };

export interface ParseInput {
  body: Buffer;
  /** The Content-Type header. */
  contentType: string | undefined;
  /** The BBF-Report-Format header; the layout is recognised from the body without it. */
  reportFormat?: string | undefined;
  csv?: CsvSettings;
  limits?: Partial<ParseLimits>;
}
