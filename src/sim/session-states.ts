// The CPE side of a CWMP session (TR-069 3.7), as a table: for each state, what the next message from
// the ACS leads to. The engine (cpe.ts) looks up every step here and does what the step names.
//
//   idle --start--> informing --InformResponse--> (proceed)
//   proceed: a pending CPE request is sent (requesting), or the empty POST (serving)
//   requesting --its response or Fault--> (proceed)
//   serving --ACS request--> serving (the response is sent)
//   serving --empty body (HTTP 204)--> idle: the session is over (or, with requests held back by
//            HoldRequests and no longer held, proceed: they are sent now)
//
// Anything else is a failed session: the events stay queued and the session is retried with back-off.

export type SessionState =
  /** No session. */
  | "idle"
  /** The Inform was sent; waiting for the InformResponse. */
  | "informing"
  /** A CPE request (TransferComplete, DUStateChangeComplete, ...) was sent; waiting for its response. */
  | "requesting"
  /** A response or the empty POST was sent; waiting for the ACS's next request or the end. */
  | "serving";

/** What the ACS sent, classified. */
export type SessionInput =
  | "informResponse"
  /** The response to the CPE's pending request (or a Fault answering it). */
  | "response"
  /** A request for the CPE (GetParameterValues, ...), or a method the CPE does not know. */
  | "request"
  /** A Fault while a request of ours is not pending: the ACS rejected the Inform or got lost. */
  | "fault"
  /** An empty HTTP body. */
  | "empty";

export type SessionStep =
  /** Send the next pending CPE request, or the empty POST when there is none (or the ACS holds requests). */
  | "proceed"
  /** Answer the ACS's request. */
  | "serve"
  /** The session ended normally. */
  | "end"
  /** The session failed. */
  | "fail";

export const SESSION_TABLE: Readonly<Record<Exclude<SessionState, "idle">, Readonly<Record<SessionInput, SessionStep>>>> = {
  informing: { informResponse: "proceed", response: "fail", request: "fail", fault: "fail", empty: "fail" },
  // An ACS request while ours is unanswered is served; ours stays pending for a later session.
  requesting: { informResponse: "fail", response: "proceed", request: "serve", fault: "proceed", empty: "end" },
  // The ACS's empty response ends the session, unless the CPE still holds requests it was kept from
  // sending (HoldRequests) and the ACS no longer holds them: "proceed" then sends them.
  serving: { informResponse: "fail", response: "fail", request: "serve", fault: "fail", empty: "proceed" },
};

export function sessionStep(state: SessionState, input: SessionInput): SessionStep {
  if (state === "idle") return "fail";
  return SESSION_TABLE[state][input];
}
