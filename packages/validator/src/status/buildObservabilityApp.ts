/**
 * A fastify app with only `/metrics`, `/healthz` and the status page, for a validator that serves
 * no organic API (`api.enabled: false`): its observability still gets a port. When the API runs,
 * the same routes are on the API's server instead (`buildApiApp({ observability })`).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { addObservability, type ObservabilityOptions } from './observabilityRoutes';

export function buildObservabilityApp(
  options: ObservabilityOptions & { logger: Logger },
): FastifyInstance {
  const { logger, ...observability } = options;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger.child({ module: 'status' }) as FastifyBaseLogger,
  });
  addObservability(app, observability);
  return app;
}
