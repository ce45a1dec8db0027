import { Router } from 'express';
import { ConfigError } from '../../config/errors.js';
import type { ReloadResult } from '../../reload.js';
import { redact } from '../../secrets.js';
import { callerIsAdmin } from '../auth.js';

/**
 * `POST /admin/reload`: re-reads the config file and applies it (see server.ts), for keys marked
 * `admin: true` (403 for others). Mounted only when such a key exists: otherwise it is a 404,
 * like any route that is not there.
 */
export function adminRoutes(reload: () => Promise<ReloadResult>): Router {
  const router = Router();
  router.post('/admin/reload', async (_req, res) => {
    if (!callerIsAdmin(res)) {
      res.status(403).json({ error: { message: 'This key may not reload the config: only keys with `admin: true` may.', type: 'invalid_request_error', param: null, code: 'forbidden' } });
      return;
    }
    try {
      res.json({ status: 'reloaded', ...(await reload()) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // The running config stays; the message is the one `serve` prints for the same file.
      res.status(400).json({ error: { message: redact(err.message), type: 'invalid_request_error', param: null, code: 'invalid_config' } });
    }
  });
  return router;
}
