// A device's protocol as a short word, never by colour alone; the tooltip gives the standard's number.

import type { Protocol } from "../api/types.js";

export const PROTOCOL_NAMES: Record<Protocol, { short: string; full: string }> = {
  cwmp: { short: "CWMP", full: "CWMP (TR-069)" },
  usp: { short: "USP", full: "USP (TR-369)" },
};

export function ProtocolBadge({ protocol }: { protocol: Protocol }) {
  return (
    <span class={`badge badge-${protocol}`} title={PROTOCOL_NAMES[protocol].full}>
      {PROTOCOL_NAMES[protocol].short}
    </span>
  );
}
