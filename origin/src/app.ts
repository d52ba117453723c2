/**
 * Builds the origin's Elysia app from its dependencies, so tests can build isolated apps
 * against their own Redis/MySQL connections, payment provider and clock.
 */
import { Elysia } from "elysia";
import { buildDeps, type AppDependencies } from "./compose.ts";
import type { Deps } from "./deps.ts";
import { accessController } from "./modules/access/index.ts";
import { templatesController } from "./modules/templates/index.ts";
import { adminController } from "./modules/admin/index.ts";
import { bypassController } from "./modules/bypass/index.ts";
import { roomsController } from "./modules/rooms/index.ts";
import { admissionController, sessionController } from "./modules/admission/index.ts";
import { dashboardController } from "./modules/dashboard/index.ts";
import { eventsController } from "./modules/events/index.ts";
import { experimentsController, raceExperimentsEnabled } from "./modules/experiments/index.ts";
import { identityController } from "./modules/identity/index.ts";
import { healthController } from "./modules/health/index.ts";
import { holdsController } from "./modules/holds/index.ts";
import { metricsController } from "./modules/metrics/index.ts";
import { ordersController } from "./modules/orders/index.ts";
import { purchasesController } from "./modules/purchases/index.ts";
import { reportController } from "./modules/report/index.ts";
import { waitlistController } from "./modules/waitlist/index.ts";
import { bodyLimitPlugin, MAX_BODY_BYTES } from "./plugins/body-limit.ts";
import { Drain, drainPlugin } from "./plugins/drain.ts";
import { errorsPlugin } from "./plugins/errors.ts";
import { jsonBodyPlugin } from "./plugins/json-body.ts";
import { openApiPlugin } from "./plugins/openapi.ts";
import { requestContextPlugin } from "./plugins/request-context.ts";

/** `drain`: shared with main.ts, which flips it on SIGTERM (see plugins/drain.ts). */
export function createApp(input: AppDependencies | Deps, { drain = new Drain() }: { drain?: Drain } = {}) {
  const deps = "admission" in input ? input : buildDeps(input);
  // normalize off: a property a schema does not name is refused (400), not silently dropped
  const app = new Elysia({ name: "concert-u-origin", normalize: false, serve: { maxRequestBodySize: MAX_BODY_BYTES } })
    .use(bodyLimitPlugin)
    .use(jsonBodyPlugin)
    .use(drainPlugin(drain))
    .use(errorsPlugin)
    .use(requestContextPlugin)
    .use(metricsController(deps))
    .use(openApiPlugin())
    .use(healthController(deps))
    .use(eventsController(deps))
    .use(holdsController(deps))
    .use(purchasesController(deps))
    .use(ordersController(deps))
    .use(adminController(deps))
    .use(admissionController(deps))
    .use(accessController(deps))
    .use(bypassController(deps))
    .use(roomsController(deps))
    .use(identityController(deps))
    .use(templatesController(deps))
    .use(dashboardController(deps))
    .use(reportController(deps))
    .use(waitlistController(deps))
    .use(sessionController(deps))
    // scratch route of the race experiments (bench/experiments/): RACE_EXPERIMENTS=1, refused in production
    .use(raceExperimentsEnabled(process.env.RACE_EXPERIMENTS, deps.config.production) ? experimentsController(deps) : new Elysia({ name: "experiments-off" }));
  return Object.assign(app, { deps, drain });
}

export type App = ReturnType<typeof createApp>;
