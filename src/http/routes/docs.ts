import path from 'node:path';
import { Router } from 'express';
import { DOCS_HTML, DOCS_SCRIPT } from '../docs-page.js';

/** The files of `swagger-ui-dist` the page loads; nothing else of the package is served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

// The page loads only from the shim; Swagger UI styles its elements inline.
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/**
 * `GET /docs`: a page to see and try every tool (see docs-page.ts). Mounted before the API key
 * check: the page and its assets hold nothing of the tools; the document it fetches does.
 */
export function docsRoutes(): Router {
  const router = Router();
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  router.get('/docs', (_req, res) => {
    res.set('content-security-policy', CONTENT_SECURITY_POLICY).type('html').send(DOCS_HTML);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('js').send(DOCS_SCRIPT);
  });
  router.get('/docs/:asset', (req, res, next) => {
    if (!ASSETS.has(req.params.asset)) return next();
    res.sendFile(path.join(assets, req.params.asset), { maxAge: '1d' });
  });
  return router;
}
