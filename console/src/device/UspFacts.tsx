// The USP agent a USP device is, as rows of the identity card: its endpoint id, the MTP that carried it
// last, and whether it is connected now (else when it was seen last).

import type { UspAgent } from "../api/types.js";
import { ago, dateTime } from "../format.js";

const MTP_NAMES: Record<string, string> = { websocket: "WebSocket", mqtt: "MQTT" };

function connection(a: UspAgent): string {
  const seen = `last seen ${ago(a.lastSeen)}`;
  // MQTT has no connection per agent: the broker holds them, so only the last contact is known.
  if (a.connected === null) return `through the broker, ${seen}`;
  return a.connected ? "connected now" : `not connected, ${seen}`;
}

export function UspFacts({ agent }: { agent: UspAgent }) {
  return (
    <>
      <dt>Endpoint ID</dt>
      <dd class="mono" data-testid="usp-endpoint-id">
        {agent.endpointId}
      </dd>
      <dt>MTP</dt>
      <dd data-testid="usp-mtp">{MTP_NAMES[agent.mtp] ?? agent.mtp}</dd>
      <dt>Connection</dt>
      <dd data-testid="usp-connection">
        <span title={dateTime(agent.lastSeen)}>{connection(agent)}</span>
      </dd>
    </>
  );
}
