// The USP error code table and the helpers that build Error messages and per-path errors from it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeMsg, encodeMsg, errorBody, isUspErrorCode, paramError, uspErrorCodes, uspErrorInfo, uspMsg } from "../../src/usp/index.js";

test("the table runs from 7000 without duplicates and names the codes the spec names", () => {
  const codes = uspErrorCodes.map((c) => c.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
  assert.equal(uspErrorInfo(7000)?.name, "Message failed");
  assert.equal(uspErrorInfo(7008)?.name, "Invalid path syntax");
  assert.equal(uspErrorInfo(7026)?.name, "Invalid path");
  assert.equal(uspErrorInfo(7100)?.use, "record");
  assert.equal(uspErrorInfo(7250)?.name, "Data model defined error");
  assert.equal(uspErrorInfo(7901)?.name, "Vendor defined error");
  assert.equal(uspErrorInfo(7099), undefined);
  assert.ok(uspErrorCodes.every((c) => isUspErrorCode(c.code) && c.name.length > 0 && c.meaning.length > 0));
});

test("isUspErrorCode accepts 7000-7999 only", () => {
  assert.deepEqual([6999, 7000, 7999, 8000, 7000.5, Number.NaN].map(isUspErrorCode), [false, true, true, false, false, false]);
});

test("errorBody and paramError default messages to the code's name and build an Error Msg that encodes", () => {
  const body = errorBody(7004, undefined, [paramError("Device.Time.NTPServer1", 7012), paramError("Device.Time.Enable", 7011, "not a boolean")]);
  assert.deepEqual(body, {
    errCode: 7004,
    errMsg: "Invalid arguments",
    paramErrs: [
      { paramPath: "Device.Time.NTPServer1", errCode: 7012, errMsg: "Invalid value" },
      { paramPath: "Device.Time.Enable", errCode: 7011, errMsg: "not a boolean" },
    ],
  });
  const msg = uspMsg("error", "set-9", body);
  assert.deepEqual(decodeMsg(encodeMsg(msg)), msg);
  assert.throws(() => errorBody(404), RangeError);
  assert.throws(() => paramError("Device.X", 0), RangeError);
});
