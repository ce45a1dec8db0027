import express, { type Express } from 'express';
import { DEFAULT_MAX_BODY_BYTES, type ApiKeyConfig } from '../config/types.js';
import type { ToolRegistry } from '../registry.js';
import { authenticate } from './auth.js';
import { errorHandler, routeNotFound } from './error-handler.js';
import { requestLog } from './request-log.js';
import { adapterRoutes } from './routes/adapter.js';
import { chatCompletions } from './routes/chat.js';
import { healthRoutes } from './routes/health.js';
import { litellmRoutes } from './routes/litellm.js';
import { modelRoutes } from './routes/models.js';

export interface AppOptions {
  /** Interval of `: keep-alive` comments while a streamed call runs. */
  keepAliveMs?: number;
  /** `server.apiKeys`; none means no authentication (loopback only, see server.ts). */
  apiKeys?: ApiKeyConfig[];
  /** Larger request bodies are a 413. */
  maxBodyBytes?: number;
}

/** The HTTP face of the shim: OpenAI routes, the REST adapter's routes, health. */
export function createApp(registry: ToolRegistry, { keepAliveMs = 15_000, apiKeys, maxBodyBytes = DEFAULT_MAX_BODY_BYTES }: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: every answer is computed for its request, and hashing each body showed in the profile.
  app.set('etag', false);
  app.use(requestLog());
  // Before the body is read: a caller without a key costs nothing.
  app.use(authenticate(apiKeys));
  // Any content type is read as JSON: some clients omit the header, and the body must be JSON anyway.
  app.use(express.json({ limit: maxBodyBytes, type: () => true }));
  const chat = chatCompletions(registry, { keepAliveMs });
  app.post(['/tools/:name/chat/completions', '/tools/:name/v1/chat/completions'], chat);
  app.post(['/v1/chat/completions', '/chat/completions'], chat);
  app.use(modelRoutes(registry));
  app.use(adapterRoutes(registry));
  app.use(healthRoutes(registry));
  app.use(litellmRoutes(registry));
  app.use(routeNotFound());
  app.use(errorHandler());
  return app;
}
