/**
 * Request id and client IP as the edge forwards them (`X-Request-Id`, `X-Client-IP`; the
 * edge strips any copies the fan sent). The request id is echoed back on every response.
 */
import { Elysia } from "elysia";

export const REQUEST_ID_HEADER = "x-request-id";
export const CLIENT_IP_HEADER = "x-client-ip";

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestContextPlugin = new Elysia({ name: "request-context" })
  .onRequest(({ request, set }) => {
    const given = request.headers.get(REQUEST_ID_HEADER);
    set.headers[REQUEST_ID_HEADER] = given && ID_PATTERN.test(given) ? given : crypto.randomUUID();
  })
  .macro({
    clientIp: {
      resolve({ headers }) {
        return { clientIp: headers[CLIENT_IP_HEADER] ?? null };
      },
    },
  });
