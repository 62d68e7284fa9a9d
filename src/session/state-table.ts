// The ACS side of a CWMP session as a table: in each phase, what each kind of incoming message does.
// session.ts follows this table; docs/session.md shows it as a diagram (test/session keeps them in step).
//
//   Inform --> [cpeRequests] --empty POST--> (plan) --RPC--> [awaitingResponse] --response/fault--> (plan)
//                  ^  | CPE request: answer            (plan) --nothing left--> [ended] (HTTP 204)

export type Phase = "cpeRequests" | "awaitingResponse" | "ended";

/** Kinds of what a CPE can send in one HTTP POST. */
export type Input = "inform" | "cpeRequest" | "response" | "fault" | "empty";

export type Action =
  /** Answer the CPE's request; stay in the phase. */
  | "answerRequest"
  /** The CPE has no more requests: plan the next RPC or end the session. */
  | "plan"
  /** Settle the outstanding RPC with this response or fault, then plan. */
  | "settleAndPlan"
  /** Settle the outstanding RPC as unanswered, then end the session. */
  | "abandonAndEnd"
  /** A response or fault when none was asked for: record a session fault and end the session. */
  | "unexpectedAndEnd"
  /** An Inform always starts a new session; the edge replaces this one. */
  | "restart";

export const transitions: Readonly<Record<Phase, Readonly<Record<Input, Action>>>> = {
  cpeRequests: {
    inform: "restart",
    cpeRequest: "answerRequest",
    response: "unexpectedAndEnd",
    fault: "unexpectedAndEnd",
    empty: "plan",
  },
  awaitingResponse: {
    inform: "restart",
    // A CPE that sends a request instead of our response is out of step; answering keeps it talking,
    // and our RPC stays outstanding until it answers or the session ends.
    cpeRequest: "answerRequest",
    response: "settleAndPlan",
    fault: "settleAndPlan",
    empty: "abandonAndEnd",
  },
  ended: {
    inform: "restart",
    cpeRequest: "unexpectedAndEnd",
    response: "unexpectedAndEnd",
    fault: "unexpectedAndEnd",
    empty: "unexpectedAndEnd",
  },
};
