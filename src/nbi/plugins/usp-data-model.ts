// The data model a USP device's agent supports, as the controller learnt it with GetSupportedDM (once per
// OUI, product class and software version, docs/usp.md): its counts, commands and events.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { SupportedDataModel } from "../../controller/supported-dm.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { uspDataModelSummaryJson } from "../json.js";
import type { RouteRegistry } from "../route.js";
import { Nullable, UspDataModel } from "../schemas.js";
import { IdParams } from "./devices.js";

export function uspDataModelRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/usp/data-model",
    operationId: "getDeviceDataModel",
    summary: "The data model a USP device's agent supports: counts, commands (sync or async, with their input arguments) and events",
    description: "Learnt with GetSupportedDM once per OUI, product class and software version, and shared by every agent of them. `dataModel` is null for a CWMP device, a USP device whose model is not learnt yet, or one whose agent answered none (the standard model serves it).",
    tag: "devices",
    role: "read-only",
    params: IdParams,
    responses: { 200: Type.Object({ dataModel: Nullable(UspDataModel) }) },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      const { id } = req.params;
      const [device, row] = await Promise.all([store.devices.get(id), store.uspDataModels.ofDevice(id, { model: true })]);
      if (device === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(id)}`);
      if (row === null) return { dataModel: null };
      const model = SupportedDataModel.parse(row.model);
      return { dataModel: { ...uspDataModelSummaryJson(row), commandList: model.commands(), eventList: model.events() } };
    },
  });
}
