// What USP agents support (migration 24), one row per OUI, product class and software version: written by
// the controller when it learns a model with GetSupportedDM, read for each session of its agents, for the
// types of their tasks' values and for the device API.

import type { UspDataModelKey, UspDataModelRecord, UspDataModelRepo } from "../types.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const SUMMARY = "m.oui, m.product_class, m.software_version, m.learnt_at, m.complete, m.objects, m.parameters, m.commands, m.events";

export class SqlUspDataModelRepo implements UspDataModelRepo {
  constructor(private readonly s: Scope) {}

  private read(r: Row): UspDataModelRecord {
    const d = this.s.dialect;
    return {
      oui: String(r.oui),
      productClass: String(r.product_class),
      softwareVersion: String(r.software_version),
      learntAt: d.readDate(r.learnt_at)!,
      complete: d.readBool(r.complete)!,
      objects: Number(r.objects),
      parameters: Number(r.parameters),
      commands: Number(r.commands),
      events: Number(r.events),
      model: r.model === undefined ? "" : String(r.model),
    };
  }

  async put(m: UspDataModelRecord): Promise<void> {
    const d = this.s.dialect;
    await this.s.run(
      `INSERT INTO usp_data_models (oui, product_class, software_version, learnt_at, complete, objects, parameters, commands, events, model)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (oui, product_class, software_version) DO UPDATE SET learnt_at = excluded.learnt_at, complete = excluded.complete,
         objects = excluded.objects, parameters = excluded.parameters, commands = excluded.commands, events = excluded.events, model = excluded.model`,
      [m.oui, m.productClass, m.softwareVersion, d.date(m.learntAt), d.bool(m.complete), m.objects, m.parameters, m.commands, m.events, m.model],
    );
  }

  async get(key: UspDataModelKey): Promise<UspDataModelRecord | null> {
    const rows = await this.s.all(`SELECT ${SUMMARY}, m.model FROM usp_data_models m WHERE m.oui = $1 AND m.product_class = $2 AND m.software_version = $3`, [key.oui, key.productClass, key.softwareVersion]);
    return rows[0] === undefined ? null : this.read(rows[0]);
  }

  // The software version is one of the paths param_index always holds (sql/tree.ts).
  async ofDevice(deviceId: string, opts: { model?: boolean } = {}): Promise<UspDataModelRecord | null> {
    const rows = await this.s.all(
      `SELECT ${SUMMARY}${opts.model === true ? ", m.model" : ""} FROM devices d
       JOIN param_paths pp ON pp.path = 'Device.DeviceInfo.SoftwareVersion'
       JOIN param_index p ON p.device_id = d.id AND p.path_id = pp.id
       JOIN usp_data_models m ON m.oui = d.oui AND m.product_class = d.product_class AND m.software_version = p.value
       WHERE d.id = $1`,
      [deviceId],
    );
    return rows[0] === undefined ? null : this.read(rows[0]);
  }
}
