// Who the device is, whether it is online, which protocol manages it (for a USP agent, how it is
// reached), and its last Informs.

import type { DeviceDetail } from "../api/types.js";
import { OnlineBadge } from "../components/OnlineBadge.js";
import { ProtocolBadge } from "../components/ProtocolBadge.js";
import { UspFacts } from "./UspFacts.js";
import { ago, dateTime } from "../format.js";

export function Identity({ detail }: { detail: DeviceDetail }) {
  const d = detail.device;
  return (
    <div class="columns">
      <section class="card" aria-labelledby="identity-title">
        <h2 id="identity-title">Identity</h2>
        <dl class="kv">
          <dt>State</dt>
          <dd>
            <OnlineBadge device={d} /> {d.lastInformAt && <span class="muted">last Inform {ago(d.lastInformAt)}</span>}
          </dd>
          <dt>Manufacturer</dt>
          <dd>{d.manufacturer}</dd>
          <dt>OUI</dt>
          <dd class="mono">{d.oui}</dd>
          <dt>Product class</dt>
          <dd>{d.productClass}</dd>
          <dt>Serial number</dt>
          <dd class="mono">{d.serialNumber}</dd>
          <dt>Address</dt>
          <dd class="mono">{d.lastInformAddress ?? "—"}</dd>
          <dt>Protocol</dt>
          <dd>
            <ProtocolBadge protocol={d.protocol} /> {d.protocol === "cwmp" && d.cwmpVersion && <span>version {d.cwmpVersion}</span>}
          </dd>
          {detail.usp && <UspFacts agent={detail.usp} />}
          <dt>Credentials</dt>
          <dd>{d.credentials === "own" ? "its own" : "the shared bootstrap ones"}</dd>
          <dt>Registered</dt>
          <dd>{dateTime(d.registeredAt)}</dd>
          <dt>Last boot</dt>
          <dd>{dateTime(d.lastBootAt)}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="events-title">
        <h2 id="events-title">Recent Inform events</h2>
        {detail.events.length === 0 ? (
          <p class="muted">None kept.</p>
        ) : (
          <ul class="plain">
            {detail.events.map((e, i) => (
              <li key={`${e.at}-${i}`}>
                <time dateTime={e.at}>{dateTime(e.at)}</time> <span class="mono">{e.code}</span>
                {e.commandKey && <span class="muted"> (key {e.commandKey})</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
