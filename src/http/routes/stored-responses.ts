import { Router } from 'express';
import type { StoredResponses } from '../../agents/stored-responses.js';
import { RequestError } from '../../errors.js';
import type { PendingQuestions } from '../../questions/pending-questions.js';
import { ownerOf } from '../auth.js';

const RESPONSE_BY_ID = ['/responses/:id', '/v1/responses/:id', '/tools/:name/responses/:id', '/tools/:name/v1/responses/:id'];

/**
 * `GET` and `DELETE /responses/{id}`, also under a model (LiteLLM sends them to the `api_base` of
 * the deployment that made the response). The caller's own stored responses only: another key's
 * id is a 404 like an unknown one. Nothing runs in the background, so `cancel` and `input_items`
 * are a 400. Deleting an agent's answer that asked a question closes the question too: nothing
 * goes on from a deleted response.
 */
export function storedResponseRoutes(responses: StoredResponses, questions: PendingQuestions): Router {
  const router = Router();
  router.get(RESPONSE_BY_ID, async (req, res) => {
    res.json(await responses.retrieve(ownerOf(res), String(req.params.id)));
  });
  router.delete(RESPONSE_BY_ID, async (req, res) => {
    const id = String(req.params.id);
    const owner = ownerOf(res);
    await responses.delete(owner, id);
    await questions.claim(owner, id);
    res.json({ id, object: 'response', deleted: true });
  });
  router.all(
    RESPONSE_BY_ID.map((path) => `${path}/*rest`),
    (req) => {
      throw new RequestError(`${req.method} ${req.path} is not served: a stored response can be retrieved (GET /v1/responses/{id}) and deleted (DELETE), no more.`, null, 'unsupported_endpoint');
    },
  );
  return router;
}
