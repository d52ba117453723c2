/**
 * What the shape of an answer costs workerd's HTTP path, apart from any work: "ok" to a GET
 * and to a POST, and a join's answer (its 678-byte JSON body and the 330-byte ticket cookie)
 * to a POST, as literals made once. bench/experiments/answer-shape.ts loads it.
 */
const ticket = "x".repeat(330);
const body = JSON.stringify({ eventId: "e1", ticketNumber: 1234, status: "open", opensAt: null, closesAt: null, turnAfterClosing: false, position: 1234, ahead: 1233, behind: 0, waiting: 1234, waitTimeKnown: true, waitTime: 3, waitTimeSeconds: 150, waitTimeFormatted: "3 minutes", queueIsFull: false, queueAll: true, inWaitingRoom: true, lastUpdated: new Date(0).toISOString(), refreshIntervalSeconds: 10, chance: null, tiersRunningOut: [], ticket, admitted: false });

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/join-shaped") {
      return new Response(body, {
        status: 201,
        headers: { "cache-control": "no-store", "set-cookie": `cu_q_e1=${ticket}; Path=/; Max-Age=21600; HttpOnly; SameSite=Lax`, "content-type": "application/json; charset=utf-8" },
      });
    }
    return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  },
};
