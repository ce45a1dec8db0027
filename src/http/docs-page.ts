/**
 * The `/docs` page: Swagger UI (the `swagger-ui-dist` package, served by the shim itself, so it
 * works with no internet) over `/openapi.json`. The page and its assets need no API key; with
 * keys configured, the page fetches the document with the key given under "Authorize" (kept for
 * the browser tab's session) and shows the tools that key may use; without one, a page that asks for it.
 */

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcp-model-shim: tools</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

export const DOCS_SCRIPT = `'use strict';
(async () => {
  const STORED_KEY = 'mcp-model-shim.api-key';
  let key = sessionStorage.getItem(STORED_KEY) || undefined;

  // With keys configured and none given yet: no tools, only the scheme, so that "Authorize" shows.
  const askForKey = (message) => ({
    openapi: '3.1.0',
    info: { title: 'mcp-model-shim', version: '', description: message },
    paths: {},
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  });

  async function load() {
    const response = await fetch('/openapi.json', { headers: key ? { Authorization: 'Bearer ' + key } : {} });
    if (response.status === 401) {
      return askForKey(key ? 'That API key is not valid: press Authorize, log out, and enter another.' : 'This shim needs an API key: press Authorize and enter yours to see the tools it may use.');
    }
    if (!response.ok) return askForKey('The tool list cannot be read (HTTP ' + response.status + ').');
    return response.json();
  }

  async function reload() {
    ui.specActions.updateSpec(JSON.stringify(await load()));
  }

  // A key given (or taken back) under "Authorize" fetches the document again, with that key's tools.
  const keyFollowsAuthorize = () => ({
    statePlugins: {
      auth: {
        wrapActions: {
          authorize: (authorize) => (payload) => {
            const given = payload && payload.bearer && payload.bearer.value;
            const result = authorize(payload);
            if (given && given !== key) {
              key = given;
              sessionStorage.setItem(STORED_KEY, key);
              void reload();
            }
            return result;
          },
          logout: (logout) => (names) => {
            const result = logout(names);
            key = undefined;
            sessionStorage.removeItem(STORED_KEY);
            void reload();
            return result;
          },
        },
      },
    },
  });

  const ui = SwaggerUIBundle({
    dom_id: '#swagger-ui',
    spec: await load(),
    layout: 'BaseLayout',
    deepLinking: true,
    displayOperationId: true,
    defaultModelsExpandDepth: -1,
    // Swagger UI would send the document to an outside validator; this page talks only to the shim.
    validatorUrl: null,
    plugins: [keyFollowsAuthorize],
    // A key kept from earlier in this tab is the one the calls send (after \`ui\` is assigned).
    onComplete: () => queueMicrotask(() => key && ui.preauthorizeApiKey('bearer', key)),
  });
})();
`;
