import express, { type Express } from 'express';
import type { Agent } from '../agents/agent.js';
import { PendingQuestions } from '../questions/pending-questions.js';
import { StoredResponses } from '../agents/stored-responses.js';
import { DEFAULT_MAX_BODY_BYTES, type ApiKeyConfig } from '../config/types.js';
import { CHAT, COMPLETIONS, RESPONSES, type Face } from '../faces/index.js';
import type { Llm } from '../llm/client.js';
import type { ShimMetrics } from '../metrics.js';
import type { ToolRegistry } from '../registry.js';
import type { ReloadResult } from '../reload.js';
import type { StateStore } from '../state/index.js';
import type { Tracing } from '../tracing/index.js';
import { authenticate, hasAdminKey } from './auth.js';
import { errorHandler, routeNotFound } from './error-handler.js';
import { requestLog } from './request-log.js';
import { adapterRoutes } from './routes/adapter.js';
import { adminRoutes } from './routes/admin.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { modelCall } from './routes/model-call.js';
import { litellmRoutes } from './routes/litellm.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelRoutes } from './routes/models.js';
import { storedResponseRoutes } from './routes/stored-responses.js';
import { openapiRoutes } from './routes/openapi.js';
import { unsupportedRoutes } from './routes/unsupported.js';

export interface AppOptions {
  /** Interval of `: keep-alive` comments while a streamed call runs. */
  keepAliveMs?: number;
  /** `server.apiKeys`; none means no authentication (loopback only, see server.ts). */
  apiKeys?: ApiKeyConfig[];
  /** Larger request bodies are a 413. */
  maxBodyBytes?: number;
  /** Served at `/metrics` and fed by every request; none means no `/metrics`. */
  metrics?: ShimMetrics;
  /** Opens a server span per request when tracing is on. */
  tracing?: Tracing;
  /** The `llm` section's model (arguments from plain text, agents). */
  llm?: Llm;
  /** Agent models, served like tools. */
  agents?: ReadonlyMap<string, Agent>;
  /** True once a shutdown began: `/ready` answers 503 from then on. */
  shuttingDown?: () => boolean;
  /** Re-reads and applies the config file (`POST /admin/reload`, for admin keys); none: no such route. */
  reload?: () => Promise<ReloadResult>;
  /** Where agents' Responses answers are kept (the `state` section). */
  store: StateStore;
  /** `GET /docs`, the page to see and try every tool (`server.docs`, default on). */
  docs?: boolean;
}

/** The HTTP side of the shim: the faces' OpenAI routes, the OpenAPI face and its page, the REST adapter's routes, the probes. */
export function createApp(registry: ToolRegistry, { keepAliveMs = 15_000, apiKeys, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, metrics, tracing, llm, agents, shuttingDown = () => false, reload, store, docs = true }: AppOptions): Express {
  const responses = new StoredResponses(store);
  const questions = new PendingQuestions(store);
  const app = express();
  app.disable('x-powered-by');
  // No ETag: every answer is computed for its request, and hashing each body showed in the profile.
  app.set('etag', false);
  if (tracing) app.use(tracing.serverSpans());
  app.use(requestLog(metrics));
  // The page asks for a key itself; the document it loads with it is behind the check.
  if (docs) app.use(docsRoutes());
  // Before the body is read: a caller without a key costs nothing.
  app.use(authenticate(apiKeys));
  // Any content type is read as JSON: some clients omit the header, and the body must be JSON anyway.
  app.use(express.json({ limit: maxBodyBytes, type: () => true }));
  // Each face at the four places clients send it: under a tool (LiteLLM's `api_base`), with or
  // without `/v1`, and at the root, where `body.model` names the tool.
  // One route per path (not an array), so a request's route template names the door it came by.
  const faces: [string, Face][] = [['chat/completions', CHAT], ['responses', RESPONSES], ['completions', COMPLETIONS]];
  for (const [endpoint, face] of faces) {
    const handler = modelCall(registry, face, { keepAliveMs, llm, agents, responses, questions });
    for (const path of [`/tools/:name/${endpoint}`, `/tools/:name/v1/${endpoint}`, `/v1/${endpoint}`, `/${endpoint}`]) app.post(path, handler);
  }
  app.use(openapiRoutes(registry, { secured: (apiKeys?.length ?? 0) > 0 }));
  app.use(modelRoutes(registry, agents));
  app.use(adapterRoutes(registry));
  app.use(healthRoutes(registry, shuttingDown));
  if (reload && hasAdminKey(apiKeys)) app.use(adminRoutes(reload));
  if (metrics) app.use(metricsRoutes(metrics));
  app.use(litellmRoutes(registry, agents));
  app.use(storedResponseRoutes(responses, questions));
  app.use(unsupportedRoutes(registry, agents));
  app.use(routeNotFound());
  app.use(errorHandler());
  return app;
}
