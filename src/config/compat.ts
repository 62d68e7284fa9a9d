// The schema of device compatibility profiles (cwmp.compatProfiles, docs/compatibility.md) and the
// checks the schema alone cannot make: filters that parse and read only what an Inform shows, prefixes
// that can be written, names that are unique.

import { Type } from "@sinclair/typebox";
import { prefixProblems } from "../cwmp/index.js";
import { analyze, FilterError, parse, type FieldName } from "../query/index.js";

/** The device fields an Inform shows, which a profile's filter may read (besides the Inform's parameters). */
export const INFORM_FIELDS: readonly FieldName[] = ["id", "oui", "productClass", "serialNumber", "manufacturer", "cwmpVersion"];

/** The built-in profile's name: today's output, for every device no profile matches. */
export const DEFAULT_PROFILE_NAME = "default";

export const compatProfileSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description: "Name, in logs and sessions." }),
    filter: Type.String({ minLength: 1, description: "Device filter (docs/filters.md) on what the Inform shows." }),
    xmlDeclaration: Type.Boolean({ default: true, description: "Start envelopes with <?xml ...?>." }),
    soapEnvPrefix: Type.String({ default: "soapenv", description: "Prefix of the SOAP envelope namespace." }),
    soapEncPrefix: Type.String({ default: "soapenc", description: "Prefix of the SOAP encoding namespace." }),
    cwmpPrefix: Type.String({ default: "cwmp", description: "Prefix of the cwmp namespace." }),
    emptyElements: Type.Union([Type.Literal("pair"), Type.Literal("selfClosing")], { default: "pair", description: "<a></a> or <a/>." }),
    booleans: Type.Union([Type.Literal("numeric"), Type.Literal("literal")], { default: "numeric", description: "1/0 or true/false." }),
    connection: Type.Union([Type.Literal("keep-alive"), Type.Literal("close")], { default: "keep-alive", description: "Close the connection after each reply." }),
  },
  { additionalProperties: false },
);

interface ProfileEntry {
  name: string;
  filter: string;
  soapEnvPrefix: string;
  soapEncPrefix: string;
  cwmpPrefix: string;
}

/** What is wrong with these profiles, one line per problem (none: they are usable). */
export function compatProfileProblems(profiles: readonly ProfileEntry[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  profiles.forEach((p, i) => {
    const at = `cwmp.compatProfiles.${i}`;
    if (p.name === DEFAULT_PROFILE_NAME) problems.push(`${at}.name: "${DEFAULT_PROFILE_NAME}" is the built-in profile's name`);
    else if (names.has(p.name)) problems.push(`${at}.name: "${p.name}" names two profiles`);
    names.add(p.name);
    for (const problem of prefixProblems({ soapEnv: p.soapEnvPrefix, soapEnc: p.soapEncPrefix, cwmp: p.cwmpPrefix })) problems.push(`${at}: ${problem}`);
    try {
      const info = analyze(parse(p.filter));
      const unseen = info.fields.filter((f) => !INFORM_FIELDS.includes(f));
      if (info.online || unseen.length > 0) {
        problems.push(`${at}.filter: reads ${info.online ? "online" : unseen.join(", ")}, which an Inform does not show (it shows ${INFORM_FIELDS.join(", ")} and its parameters)`);
      }
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      problems.push(`${at}.filter: ${err.message}`);
    }
  });
  return problems;
}
