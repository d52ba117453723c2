/** The dev Upstash REST bridge in front of the local Redis, for the edge's tests. */
export { startBridge as startTestBridge } from "../../../test/helpers/bridge.ts";
