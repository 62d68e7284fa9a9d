// Presets say when (a device filter, the Inform's events, a schedule) and what (provisions with
// arguments). Provisions say how the device should be: declarations (declarative), a script, or one of
// the built-ins; a virtual parameter is a script too, named for the parameter it computes. Both are documents with schemas, so the API can check them and publish them.

import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { analyze, evaluate, toFilter, type FilterDevice, type FilterNode } from "../query/index.js";
import { inWindow, parseCron, type Cron } from "./cron.js";
import { declarationSchema } from "./declarations.js";

const Name = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });
const Json = Type.Unknown();

export const presetSchema = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    enabled: Type.Boolean({ default: true }),
    weight: Type.Integer({ default: 0, description: "Presets apply in ascending weight; a later one's declaration of the same path wins" }),
    filter: Type.String({ default: "", maxLength: 4096, description: "Devices it applies to (docs/filters.md); empty for all" }),
    events: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      description: 'Inform events that trigger it, e.g. ["0 BOOTSTRAP"] or ["1 BOOT"]; empty for every session',
    }),
    schedule: Type.Optional(
      Type.Object(
        {
          cron: Type.String({ minLength: 9, maxLength: 128, description: "UTC, five fields" }),
          duration: Type.Integer({ minimum: 60, maximum: 86400 * 31, description: "Seconds after each cron time during which the preset applies" }),
        },
        { additionalProperties: false },
      ),
    ),
    provisions: Type.Array(Type.Object({ name: Name, args: Type.Optional(Json) }, { additionalProperties: false }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type Preset = Static<typeof presetSchema>;

/**
 * Set by the ACS on a script that kept failing (in provisioning.scriptFailureLimit sessions in a row), or by an
 * operator: the script is not run, and each session it would have run in gets a provision.suspended
 * fault. Storing the document without it resumes the script.
 */
const Suspended = Type.Optional(
  Type.Object(
    {
      at: Type.String({ description: "When it was suspended (ISO 8601)" }),
      reason: Type.String({ maxLength: 1024 }),
      failures: Type.Optional(Type.Integer({ minimum: 0, description: "Sessions in a row in which it failed" })),
    },
    { additionalProperties: false },
  ),
);

/**
 * The language a script is written in: Provisio's (the default) or GenieACS's, as `provisio import
 * genieacs` stores the scripts it carries over (docs/genieacs-migration.md).
 */
const Dialect = Type.Optional(Type.Union([Type.Literal("provisio"), Type.Literal("genieacs")], { description: "The script's dialect; default provisio" }));

export const provisionSchema = Type.Union([
  Type.Object(
    {
      name: Name,
      kind: Type.Literal("declarative"),
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      declarations: Type.Array(declarationSchema, { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Name,
      kind: Type.Literal("script"),
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      script: Type.String({ minLength: 1, maxLength: 262144 }),
      dialect: Dialect,
      suspended: Suspended,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_-]{0,63}$", description: "The parameter is VirtualParameters.<name>" }),
      kind: Type.Literal("virtual"),
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      script: Type.String({ minLength: 1, maxLength: 262144, description: "Reads with get(), writes with declare() when `wanted` is set, returns { value, type? }" }),
      dialect: Dialect,
      suspended: Suspended,
    },
    { additionalProperties: false },
  ),
]);

export type Provision = Static<typeof provisionSchema>;

export class DocumentError extends Error {
  readonly code = "PROVISION_DOCUMENT";
  constructor(readonly problems: string[]) {
    super(`invalid document: ${problems.join("; ")}`);
    this.name = "DocumentError";
  }
}

function check<T>(schema: Parameters<typeof Value.Check>[0], doc: unknown): T {
  const withDefaults = Value.Default(schema, structuredClone(doc));
  if (!Value.Check(schema, withDefaults)) {
    throw new DocumentError([...Value.Errors(schema, withDefaults)].slice(0, 10).map((e) => `${e.path || "(document)"}: ${e.message}`));
  }
  return withDefaults as T;
}

/** A checked preset, its filter parsed and its cron compiled. Throws DocumentError saying what is wrong. */
export interface CompiledPreset {
  preset: Preset;
  filter: FilterNode | null;
  cron: Cron | null;
  /** Parameter paths the filter reads (the device data matching needs). */
  reads: string[];
}

export function compilePreset(doc: unknown): CompiledPreset {
  const preset = check<Preset>(presetSchema, doc);
  const problems: string[] = [];
  let filter: FilterNode | null = null;
  let cron: Cron | null = null;
  try {
    filter = preset.filter.trim() === "" ? null : toFilter(preset.filter);
  } catch (err) {
    problems.push(`filter: ${(err as Error).message}`);
  }
  try {
    cron = preset.schedule ? parseCron(preset.schedule.cron) : null;
  } catch (err) {
    problems.push(`schedule: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new DocumentError(problems);
  return { preset, filter, cron, reads: filter === null ? [] : analyze(filter).parameters };
}

export function checkProvision(doc: unknown): Provision {
  return check<Provision>(provisionSchema, doc);
}

export interface MatchContext {
  device: FilterDevice;
  /** Event codes of the session's Inform. */
  events: readonly string[];
  now: Date;
  onlineWithinMs?: number;
}

/** The presets that apply to this session, in the order they apply. */
export function applicablePresets(presets: readonly CompiledPreset[], ctx: MatchContext): CompiledPreset[] {
  const events = new Set(ctx.events.map((e) => e.trim()));
  return presets
    .filter((p) => {
      if (!p.preset.enabled) return false;
      if (p.preset.events.length > 0 && !p.preset.events.some((e) => events.has(e.trim()))) return false;
      if (p.cron !== null && !inWindow(p.cron, p.preset.schedule!.duration, ctx.now)) return false;
      return p.filter === null || evaluate(p.filter, ctx.device, { now: ctx.now, onlineWithinMs: ctx.onlineWithinMs ?? 0 });
    })
    .sort((a, b) => a.preset.weight - b.preset.weight || (a.preset.name < b.preset.name ? -1 : 1));
}
