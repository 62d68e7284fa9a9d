// Files served to devices, files devices uploaded, and the content behind both (migration 4).
import type { ContentStorage, FileKind, FileListQuery, FileRecord, FileRepo, NewFile } from "../types.js";
import type { Row } from "./driver.js";
import { limitClause } from "./limit.js";
import type { Scope } from "./scope.js";

const FILE_COLUMNS =
  "f.id, f.kind, f.name, f.file_type, f.oui, f.product_class, f.version, f.description, f.content_type, f.size, f.sha256, f.content_key, c.storage, c.chunk_size, f.device_id, f.created_at, f.updated_at";
const FROM = "files f JOIN file_contents c ON c.key = f.content_key";

export class SqlFileRepo implements FileRepo {
  constructor(private readonly s: Scope) {}

  private toFile(r: Row): FileRecord {
    const d = this.s.dialect;
    return {
      id: String(r.id),
      kind: String(r.kind) as FileKind,
      name: String(r.name),
      fileType: String(r.file_type),
      oui: String(r.oui),
      productClass: String(r.product_class),
      version: String(r.version),
      description: String(r.description),
      contentType: String(r.content_type),
      size: Number(r.size),
      sha256: String(r.sha256),
      contentKey: String(r.content_key),
      storage: String(r.storage) as ContentStorage,
      chunkSize: r.chunk_size == null ? null : Number(r.chunk_size),
      deviceId: r.device_id == null ? null : String(r.device_id),
      createdAt: d.readDate(r.created_at) ?? new Date(NaN),
      updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
    };
  }

  async beginContent(key: string, storage: ContentStorage, at: Date, chunkSize: number | null = null): Promise<void> {
    await this.s.run("INSERT INTO file_contents (key, storage, chunk_size, created_at) VALUES ($1, $2, $3, $4)", [key, storage, chunkSize, this.s.dialect.date(at)]);
  }

  async putChunk(key: string, n: number, data: Uint8Array): Promise<void> {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.s.run("INSERT INTO file_chunks (content_key, n, data) VALUES ($1, $2, $3)", [key, n, bytes]);
  }

  async chunk(key: string, n: number): Promise<Buffer | null> {
    const rows = await this.s.all<{ data: unknown }>("SELECT data FROM file_chunks WHERE content_key = $1 AND n = $2", [key, n]);
    const data = rows[0]?.data;
    if (data == null) return null;
    return Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
  }

  put(file: NewFile): Promise<{ file: FileRecord; replaced: string | null }> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const previous = await s.all<{ content_key: unknown }>("SELECT content_key FROM files WHERE id = $1", [file.id]);
      await s.run(
        `INSERT INTO files (id, kind, name, file_type, oui, product_class, version, description, content_type, size, sha256, content_key, device_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, file_type = excluded.file_type, oui = excluded.oui,
           product_class = excluded.product_class, version = excluded.version, description = excluded.description,
           content_type = excluded.content_type, size = excluded.size, sha256 = excluded.sha256, content_key = excluded.content_key,
           device_id = excluded.device_id, updated_at = excluded.updated_at`,
        [file.id, file.kind, file.name, file.fileType, file.oui, file.productClass, file.version, file.description, file.contentType, file.size,
          file.sha256, file.contentKey, file.deviceId, d.date(file.createdAt), d.date(file.updatedAt)],
      );
      const rows = await s.all(`SELECT ${FILE_COLUMNS} FROM ${FROM} WHERE f.id = $1`, [file.id]);
      const replaced = previous[0] ? String(previous[0].content_key) : null;
      return { file: this.toFile(rows[0] ?? {}), replaced: replaced === file.contentKey ? null : replaced };
    });
  }

  async get(id: string): Promise<FileRecord | null> {
    const rows = await this.s.all(`SELECT ${FILE_COLUMNS} FROM ${FROM} WHERE f.id = $1`, [id]);
    return rows[0] ? this.toFile(rows[0]) : null;
  }

  private where(q: FileListQuery, params: unknown[]): string {
    const conds: string[] = [];
    const eq = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      conds.push(`${column} = $${params.length}`);
    };
    eq("f.kind", q.kind);
    eq("f.device_id", q.deviceId);
    eq("f.file_type", q.fileType);
    eq("f.oui", q.oui);
    eq("f.product_class", q.productClass);
    eq("f.version", q.version);
    return conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "";
  }

  async list(q: FileListQuery = {}): Promise<FileRecord[]> {
    const params: unknown[] = [];
    const where = this.where(q, params);
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${FILE_COLUMNS} FROM ${FROM} ${where} ORDER BY f.created_at DESC, f.id${limit}`, params);
    return rows.map((r) => this.toFile(r));
  }

  async count(q: FileListQuery = {}): Promise<number> {
    const params: unknown[] = [];
    const where = this.where(q, params);
    const rows = await this.s.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM files f ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  delete(id: string): Promise<FileRecord | null> {
    return this.s.atomic(async (s) => {
      const rows = await s.all(`SELECT ${FILE_COLUMNS} FROM ${FROM} WHERE f.id = $1`, [id]);
      if (!rows[0]) return null;
      await s.run("DELETE FROM files WHERE id = $1", [id]);
      return this.toFile(rows[0]);
    });
  }

  async orphanContents(staleBefore: Date, limit: number): Promise<{ key: string; storage: ContentStorage }[]> {
    const rows = await this.s.all(
      `SELECT c.key, c.storage FROM file_contents c
       WHERE c.created_at < $1 AND NOT EXISTS (SELECT 1 FROM files f WHERE f.content_key = c.key)
       ORDER BY c.created_at LIMIT $2`,
      [this.s.dialect.date(staleBefore), Math.max(0, Math.floor(limit))],
    );
    return rows.map((r) => ({ key: String(r.key), storage: String(r.storage) as ContentStorage }));
  }

  async deleteContent(key: string): Promise<boolean> {
    const n = await this.s.run("DELETE FROM file_contents WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM files f WHERE f.content_key = $1)", [key]);
    return n > 0;
  }
}
