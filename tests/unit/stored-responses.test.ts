import { StoredResponses } from '../../src/agents/stored-responses.js';
import { RequestError } from '../../src/errors.js';
import { MemoryStore } from '../../src/state/index.js';

describe('StoredResponses', () => {
  const response = { id: 'resp_asked', object: 'response', output_text: 'delete_rows asks: Delete every row of "carts"?' };

  test('an answer that asked a question is retrieved as it was, but nothing goes on from it once the question is gone', async () => {
    const responses = new StoredResponses(new MemoryStore({ maxEntries: 10, maxBytes: 65536, ttlSeconds: 60 }));
    expect(await responses.keep('alice', 'resp_asked', response)).toBe(true);
    expect(await responses.retrieve('alice', 'resp_asked')).toEqual(response);
    const refusal = await responses.conversation('alice', 'resp_asked').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(RequestError);
    expect(refusal).toMatchObject({ code: 'question_closed', param: 'previous_response_id' });
    expect((refusal as Error).message).toMatch(/^previous_response_id "resp_asked" is an answer that asked a question, and the question is no longer open/);
  });

  test('an answer with its conversation is gone on from', async () => {
    const responses = new StoredResponses(new MemoryStore({ maxEntries: 10, maxBytes: 65536, ttlSeconds: 60 }));
    const messages = [{ role: 'user' as const, content: 'Count the carts.' }, { role: 'assistant' as const, content: '3 carts.' }];
    await responses.keep('alice', 'resp_answer', { id: 'resp_answer' }, messages);
    expect(await responses.conversation('alice', 'resp_answer')).toEqual(messages);
  });
});
