/** Free TCP ports for servers a test starts. */
export { freePort } from "../../scripts/lib/free-port.ts";
