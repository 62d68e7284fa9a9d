// USP agents by endpoint id (migration 23): written by the controller as agents onboard and connect,
// read to reach an agent again (an MQTT topic; a WebSocket held by this process) and to wake it.

import type { UspEndpointRecord, UspEndpointRepo } from "../types.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const COLUMNS = "endpoint_id, device_id, mtp, route, last_seen";

export class SqlUspEndpointRepo implements UspEndpointRepo {
  constructor(private readonly s: Scope) {}

  private read(r: Row): UspEndpointRecord {
    return { endpointId: String(r.endpoint_id), deviceId: String(r.device_id), mtp: String(r.mtp), route: String(r.route), lastSeen: this.s.dialect.readDate(r.last_seen)! };
  }

  async record(e: UspEndpointRecord): Promise<void> {
    const d = this.s.dialect;
    await this.s.run(
      `INSERT INTO usp_endpoints (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint_id) DO UPDATE SET device_id = excluded.device_id, mtp = excluded.mtp, route = excluded.route, last_seen = excluded.last_seen`,
      [e.endpointId, e.deviceId, e.mtp, e.route, d.date(e.lastSeen)],
    );
    await this.s.run("UPDATE devices SET protocol = 'usp' WHERE id = $1 AND protocol <> 'usp'", [e.deviceId]);
  }

  async get(endpointId: string): Promise<UspEndpointRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM usp_endpoints WHERE endpoint_id = $1`, [endpointId]);
    return rows[0] === undefined ? null : this.read(rows[0]);
  }

  async ofDevice(deviceId: string): Promise<UspEndpointRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM usp_endpoints WHERE device_id = $1 ORDER BY last_seen DESC, endpoint_id LIMIT 1`, [deviceId]);
    return rows[0] === undefined ? null : this.read(rows[0]);
  }
}
