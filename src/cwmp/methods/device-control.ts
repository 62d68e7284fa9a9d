// Device-control RPCs: Reboot, FactoryReset, ScheduleInform, vouchers and options.

import { codec, emptyCodec } from "../codec/method.js";

export const reboot = codec(
  "Reboot",
  "1-0",
  (el, r, path) => ({ commandKey: r.string(el, "CommandKey", path) }),
  (m, w) => w.str("CommandKey", m.commandKey),
);

export const rebootResponse = emptyCodec("RebootResponse", "1-0");
export const factoryReset = emptyCodec("FactoryReset", "1-0");
export const factoryResetResponse = emptyCodec("FactoryResetResponse", "1-0");

export const scheduleInform = codec(
  "ScheduleInform",
  "1-0",
  (el, r, path) => ({ delaySeconds: r.uint(el, "DelaySeconds", path), commandKey: r.string(el, "CommandKey", path) }),
  (m, w) => {
    w.uint("DelaySeconds", m.delaySeconds);
    w.str("CommandKey", m.commandKey);
  },
);

export const scheduleInformResponse = emptyCodec("ScheduleInformResponse", "1-0");

export const setVouchers = codec(
  "SetVouchers",
  "1-0",
  (el, r, path) => ({ voucherList: r.items(el, "VoucherList", path).map((c) => c.text.trim()) }),
  (m, w) => {
    w.openArray("VoucherList", "soapenc:base64", m.voucherList.length);
    for (const v of m.voucherList) w.str("base64", v);
    w.close("VoucherList");
  },
);

export const setVouchersResponse = emptyCodec("SetVouchersResponse", "1-0");

export const getOptions = codec(
  "GetOptions",
  "1-0",
  (el, r, path) => ({ optionName: r.string(el, "OptionName", path) }),
  (m, w) => w.str("OptionName", m.optionName),
);

export const getOptionsResponse = codec(
  "GetOptionsResponse",
  "1-0",
  (el, r, path) => ({
    optionList: r.items(el, "OptionList", path).map((s, i) => {
      const p = `${path}/OptionList[${i}]`;
      const expirationDate = r.optionalString(s, "ExpirationDate");
      return {
        optionName: r.string(s, "OptionName", p),
        voucherSn: r.uint(s, "VoucherSN", p),
        state: r.uint(s, "State", p),
        mode: r.int(s, "Mode", p),
        startDate: r.string(s, "StartDate", p),
        ...(expirationDate === undefined ? {} : { expirationDate }),
        isTransferable: r.int(s, "IsTransferable", p),
      };
    }),
  }),
  (m, w) => {
    w.openArray("OptionList", "cwmp:OptionStruct", m.optionList.length);
    for (const o of m.optionList) {
      w.raw("<OptionStruct>");
      w.str("OptionName", o.optionName);
      w.uint("VoucherSN", o.voucherSn);
      w.uint("State", o.state);
      w.num("Mode", o.mode);
      w.dateTime("StartDate", o.startDate);
      if (o.expirationDate !== undefined) w.dateTime("ExpirationDate", o.expirationDate);
      w.num("IsTransferable", o.isTransferable);
      w.raw("</OptionStruct>");
    }
    w.close("OptionList");
  },
);
