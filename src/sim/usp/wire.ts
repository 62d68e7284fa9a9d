// The agent reads fields of refused bytes as the controller does: the reader is the USP core's.
export { peekString } from "../../usp/wire.js";
