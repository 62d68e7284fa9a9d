// The running configuration as this process loaded it, defaults included; secrets arrive masked
// ("***") from the server, which never sends them.

import { api } from "../api/client.js";
import { ErrorState, Loading } from "../components/States.js";
import { useApi } from "../useApi.js";

function flatten(prefix: string, value: unknown, out: [string, string][]): [string, string][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else out.push([prefix, JSON.stringify(value)]);
  return out;
}

export function ConfigView() {
  const cfg = useApi((signal) => api.get<{ config: unknown }>("/api/config", { signal }), []);
  return (
    <section aria-labelledby="config-title" data-loaded={cfg.data ? "true" : undefined}>
      <h2 id="config-title">Running configuration</h2>
      {cfg.error ? (
        <ErrorState error={cfg.error} retry={cfg.reload} />
      ) : !cfg.data ? (
        <Loading what="Loading the configuration" />
      ) : (
        <dl class="kv mono config">
          {flatten("", cfg.data.config, []).map(([k, v]) => (
            <div key={k} class="contents">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
