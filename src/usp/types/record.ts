// USP Records (usp-record-1-4.proto) as the codec reads and writes them: protobufjs's camelCase field
// names, every field present (proto3 defaults filled), uint64 as bigint, bytes as Uint8Array, enums by
// name, and each oneof named by a discriminant property (`recordType`).

export type PayloadSecurity = "PLAINTEXT" | "TLS12";
export type PayloadSarState = "NONE" | "BEGIN" | "INPROCESS" | "COMPLETE";
export type MqttVersion = "V3_1_1" | "V5";
export type StompVersion = "V1_2";

export interface NoSessionContextRecord {
  payload: Uint8Array;
}

export interface SessionContextRecord {
  sessionId: bigint;
  sequenceId: bigint;
  expectedId: bigint;
  /** Non-zero: asks the peer to send again its Record with this sequence_id. */
  retransmitId: bigint;
  /** Where this Record stands in a Msg segmented across Records. */
  payloadSarState: PayloadSarState;
  /** Where this Record's payload elements stand within that segmentation. */
  payloadrecSarState: PayloadSarState;
  payload: Uint8Array[];
}

export type WebSocketConnectRecord = Record<string, never>;
export type UdsConnectRecord = Record<string, never>;

export interface MqttConnectRecord {
  version: MqttVersion;
  subscribedTopic: string;
}

export interface StompConnectRecord {
  version: StompVersion;
  subscribedDestination: string;
}

export interface DisconnectRecord {
  reason: string;
  reasonCode: number;
}

export interface RecordBodies {
  noSessionContext: NoSessionContextRecord;
  sessionContext: SessionContextRecord;
  websocketConnect: WebSocketConnectRecord;
  mqttConnect: MqttConnectRecord;
  stompConnect: StompConnectRecord;
  disconnect: DisconnectRecord;
  udsConnect: UdsConnectRecord;
}
export type RecordType = keyof RecordBodies;

export type RecordOf<K extends RecordType> = RecordHeader & { recordType: K } & { [P in K]: RecordBodies[K] };

export interface RecordHeader {
  /** The USP version of the Record, such as "1.4". */
  version: string;
  toId: string;
  fromId: string;
  payloadSecurity: PayloadSecurity;
  macSignature: Uint8Array;
  senderCert: Uint8Array;
}

export type UspRecord = { [K in RecordType]: RecordOf<K> }[RecordType];
