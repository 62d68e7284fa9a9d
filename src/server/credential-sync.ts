// When the ACS sets a device's ManagementServer credentials (by a task or a provision) and the device
// accepts them, the ACS must accept them too from then on, or the device is locked out. Likewise the
// connection-request credentials the ACS must present to wake the device.

import { digestHa1, hashPassword } from "../auth/index.js";
import type { StoreTx } from "../store/types.js";
import { sealContext } from "./connection-requests.js";
import type { SecretBox } from "./secrets.js";

export interface CredentialSyncOptions {
  realm: string;
  /** Seals connection-request passwords; without it they are not recorded. */
  box: SecretBox | null;
}

// The device's password is kept as a Digest HA1 (which Digest needs) and an scrypt hash for Basic. The
// HA1 is what an attacker with the database would attack, so a costly scrypt beside it protects nothing
// more: a light cost keeps bootstrap storms from queueing behind key derivation.
const LIGHT_SCRYPT = { N: 1024, r: 8, p: 1, keyLength: 32 };

const ROOTS = ["Device.", "InternetGatewayDevice."];

export async function syncSetCredentials(tx: StoreTx, deviceId: string, values: readonly { path: string; value: string }[], now: Date, o: CredentialSyncOptions): Promise<string[]> {
  const notes: string[] = [];
  const byPath = new Map(values.map((v) => [v.path, v.value]));
  for (const root of ROOTS) {
    const ms = `${root}ManagementServer.`;
    const user = byPath.get(`${ms}Username`);
    const pass = byPath.get(`${ms}Password`);
    if (pass !== undefined && pass !== "") {
      const username = user ?? (await tx.parameters.get(deviceId, [`${ms}Username`]))[0]?.value ?? null;
      if (username === null || username === "") {
        notes.push(`${ms}Password was set, but the device's username is unknown: set ${ms}Username with it`);
      } else {
        for (const c of await tx.credentials.forDevice(deviceId)) if (c.username !== username) await tx.credentials.delete(c.username);
        await tx.credentials.put({
          username,
          deviceId,
          passwordHash: await hashPassword(pass, { params: LIGHT_SCRYPT }),
          digestHa1: digestHa1(username, o.realm, pass),
          realm: o.realm,
          createdAt: now,
        });
      }
    } else if (user !== undefined) {
      notes.push(`${ms}Username was changed without a password: the ACS cannot accept the device's new credentials`);
    }
    const crUser = byPath.get(`${ms}ConnectionRequestUsername`);
    const crPass = byPath.get(`${ms}ConnectionRequestPassword`);
    if (crPass !== undefined && o.box !== null) {
      const username = crUser ?? (await tx.parameters.get(deviceId, [`${ms}ConnectionRequestUsername`]))[0]?.value ?? "";
      await tx.connectionRequests.setCredentials({ deviceId, username, passwordSealed: o.box.seal(crPass, sealContext(deviceId)), updatedAt: now });
    }
  }
  return notes;
}
