import OpenAI, { APIError } from 'openai';
import type { Locator } from 'playwright-core';
import { litellmConfig } from '../../src/litellm/snippets.js';
import type { RunningShim } from '../../src/server.js';
import { EVERYTHING } from '../fixtures/everything.js';
import { modernStdioEntry, newRecord, startModernHttp, type ModernHttpServer, type ToolRecord } from '../fixtures/modern-server.js';
import { Chat } from '../helpers/chat.js';
import { startTestShim } from '../helpers/shim.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';
import { Playground } from './playground.js';

/** The JSON the question shows, and a 400 repeats, as what to send. */
const EXAMPLE = '{"confirm": true, "reason": "<reason>"}';
/** A 400's message for a reply that does not fit the form, up to the example. */
const NOT_FITTING = new RegExp(
  `^That answer does not fit what "delete_rows" asked: .*"confirm" must be boolean\\.\\nReply with JSON like this, with your own values: ${EXAMPLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n.*its question is still open\\.$`,
  's',
);
const ELICITING = 'trigger-elicitation-request';

/** The generated LiteLLM entries for these tools of `shim`, each model named `prefix` + the tool. */
function entries(shim: RunningShim, tools: string[], prefix = ''): object[] {
  return litellmConfig(shim.registry.list(), { baseUrl: shim.url })
    .model_list.filter((entry) => tools.includes(entry.model_name))
    .map((entry) => ({ ...entry, model_name: `${prefix}${entry.model_name}` }));
}

/** A call's failure, which must be an APIError. */
async function failure(call: Promise<unknown>): Promise<APIError> {
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

/**
 * The shim's own error message inside LiteLLM's: on chat completions LiteLLM quotes the message,
 * on its Responses path the shim's whole error body, as JSON; its own line about fallbacks follows.
 */
function shimMessage(error: APIError): string {
  const quoted = /OpenAIException - (.*?)\n\nLiteLLM: model group/s.exec(error.message)?.[1] ?? '';
  try {
    return (JSON.parse(quoted) as { error: { message: string } }).error.message;
  } catch {
    return quoted;
  }
}

/** The id named by a question's last line. */
const questionId = (text: string) => /\n_Question (\S+) is open for 24 hours\._$/.exec(text)?.[1];

describe('tools that ask, through the real LiteLLM proxy', () => {
  const records: Record<string, ToolRecord> = { stdio: newRecord(), 'streamable-http': newRecord() };
  let modernHttp: ModernHttpServer;
  let stdioShim: RunningShim;
  let httpShim: RunningShim;
  let everythingShim: RunningShim;
  let litellm: LiteLLM;
  let client: OpenAI;

  beforeAll(async () => {
    modernHttp = await startModernHttp(records['streamable-http']!);
    stdioShim = await startTestShim({ modern: modernStdioEntry(records.stdio!) });
    httpShim = await startTestShim({ modern: { type: 'streamable-http', url: modernHttp.url } });
    everythingShim = await startTestShim({ everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } });
    // The entries `mcp-model-shim snippets` generates; the streamable-HTTP server's tools under `http/`.
    const tools = ['delete_rows', 'deletions'];
    litellm = await startLiteLLM({
      model_list: [...entries(stdioShim, tools), ...entries(httpShim, tools, 'http/'), ...entries(everythingShim, [ELICITING])],
    });
    // The openai client as users have it: its own retries on.
    client = new OpenAI({ baseURL: `${litellm.url}/v1`, apiKey: litellm.masterKey });
  }, 180_000);

  afterAll(async () => {
    await litellm?.stop();
    await everythingShim?.close();
    await httpShim?.close();
    await stdioShim?.close();
    await modernHttp?.close();
  }, 60_000);

  describe.each([
    ['stdio', ''],
    ['streamable-http', 'http/'],
  ] as const)('the 2026-07-28 server (it refuses older clients) over %s', (kind, prefix) => {
    const model = `${prefix}delete_rows`;
    /** Deletions done, as the server counts them, asked through LiteLLM. */
    const deletions = async () => Number(await new Chat(client, `${prefix}deletions`).say('{}'));
    /** How often the server wrote each of these lines: one `asked` per question means nothing was sent twice. */
    const seen = (...lines: string[]) => lines.map((line) => records[kind]!.lines().filter((written) => written === line).length);

    test('chat completions: the first answer asks and shows the JSON to send; the next message answers; the tool runs once', async () => {
      const before = await deletions();
      const chat = new Chat(client, model);
      const question = await chat.say('{"table": "archive"}');
      expect(question).toMatch(/^\*\*delete_rows asks:\*\* Delete every row of "archive"\?\n/);
      expect(question).toContain('- confirm (boolean, required): Delete every row?\n- reason (string, required): Why they may go');
      expect(question).toContain(`Reply with JSON like this, with your own values:\n\n\`\`\`json\n${EXAMPLE}\n\`\`\``);
      expect(question).toContain('Or reply "no" to decline, or "cancel".');
      expect(questionId(question)).toMatch(/^ask_/);
      expect(await deletions()).toBe(before);

      expect(await chat.say('{"confirm": true, "reason": "test data"}')).toBe('Deleted 3 rows from "archive" (test data).');
      expect(await deletions()).toBe(before + 1);
      expect(seen('asked delete_rows archive', 'deleted archive')).toEqual([1, 1]);
    });

    test("chat completions: LiteLLM passes the question's id on as a header and reports no retry", async () => {
      const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: '{"table": "headers"}' }] }).withResponse();
      expect(response.headers.get('llm_provider-x-mcp-question')).toBe(questionId(data.choices[0]!.message.content!));
      expect(response.headers.get('x-litellm-attempted-retries')).toBe('0');
      expect(seen('asked delete_rows headers')).toEqual([1]);
    });

    test('chat completions: a wrong answer is a 400 with the example; the tool has not run, and a right answer after it works', async () => {
      const chat = new Chat(client, model);
      await chat.say('{"table": "invoices"}');
      const error = await chat.sayWrongly('{"confirm": "sure"}');
      expect(error.status).toBe(400);
      expect(shimMessage(error)).toMatch(NOT_FITTING);
      expect(seen('deleted invoices')).toEqual([0]);
      expect(await chat.say('{"confirm": true, "reason": "archived"}')).toBe('Deleted 3 rows from "invoices" (archived).');
      expect(seen('asked delete_rows invoices', 'deleted invoices')).toEqual([1, 1]);
    });

    test('chat completions: "no" declines; the tool answers the decline and deletes nothing', async () => {
      const before = await deletions();
      const chat = new Chat(client, model);
      await chat.say('{"table": "customers"}');
      expect(await chat.say('no')).toBe('Nothing deleted from "customers": the user answered decline.');
      expect(await deletions()).toBe(before);
      expect(seen('asked delete_rows customers', 'decline delete_rows customers', 'deleted customers')).toEqual([1, 1, 0]);
    });

    test("responses: previous_response_id (LiteLLM's rewritten id) answers the question; the tool runs once", async () => {
      const before = await deletions();
      const { data: asked, response } = await client.responses.create({ model, input: '{"table": "sessions"}' }).withResponse();
      expect(asked.output_text).toMatch(/^\*\*delete_rows asks:\*\* Delete every row of "sessions"\?\n/);
      expect(asked.output_text).toContain(`\`\`\`json\n${EXAMPLE}\n\`\`\``);
      // The question is named by the shim's response id; the client holds the one LiteLLM made of it.
      const id = questionId(asked.output_text);
      expect(id).toMatch(/^resp_/);
      expect(response.headers.get('llm_provider-x-mcp-question')).toBe(id);
      expect(asked.id).not.toContain(id);
      expect(await deletions()).toBe(before);

      const done = await client.responses.create({ model, input: '{"confirm": true, "reason": "expired"}', previous_response_id: asked.id });
      expect(done.output_text).toBe('Deleted 3 rows from "sessions" (expired).');
      expect(await deletions()).toBe(before + 1);
      // Sent again, the answer finds no question: refused, and nothing runs twice.
      const again = await failure(client.responses.create({ model, input: '{"confirm": true, "reason": "expired"}', previous_response_id: asked.id }));
      expect(again.status).toBe(400);
      expect(await deletions()).toBe(before + 1);
      expect(seen('asked delete_rows sessions', 'deleted sessions')).toEqual([1, 1]);
    });

    test('responses: a wrong answer is a 400 with the example; the tool has not run, and a right answer after it works', async () => {
      const asked = await client.responses.create({ model, input: '{"table": "carts"}' });
      const error = await failure(client.responses.create({ model, input: '{"confirm": "sure"}', previous_response_id: asked.id }));
      expect(error.status).toBe(400);
      expect(shimMessage(error)).toMatch(NOT_FITTING);
      expect(seen('deleted carts')).toEqual([0]);
      const done = await client.responses.create({ model, input: [{ role: 'user', content: '{"confirm": true, "reason": "abandoned"}' }], previous_response_id: asked.id });
      expect(done.output_text).toBe('Deleted 3 rows from "carts" (abandoned).');
      expect(seen('asked delete_rows carts', 'deleted carts')).toEqual([1, 1]);
    });

    test('responses: "no" declines; the tool answers the decline and deletes nothing', async () => {
      const before = await deletions();
      const asked = await client.responses.create({ model, input: '{"table": "users"}' });
      const declined = await client.responses.create({ model, input: 'no', previous_response_id: asked.id });
      expect(declined.output_text).toBe('Nothing deleted from "users": the user answered decline.');
      expect(await deletions()).toBe(before);
      expect(seen('asked delete_rows users', 'decline delete_rows users', 'deleted users')).toEqual([1, 1, 0]);
    });
  });

  describe('the official "everything" server (an older revision: elicitation/create)', () => {
    test('LiteLLM lists its elicitation tool', async () => {
      const models = [];
      for await (const entry of client.models.list()) models.push(entry.id);
      expect(models).toContain(ELICITING);
    });

    test('its question is asked in chat and answered with the JSON it shows', async () => {
      const chat = new Chat(client, ELICITING);
      const question = await chat.say('');
      expect(question).toMatch(/^\*\*trigger-elicitation-request asks:\*\* Please provide inputs for the following fields:\n/);
      expect(question).toMatch(/- name \(string, required\): Your full, legal name/);
      expect(question).toMatch(/```json\n\{"name": "<name>", .*\}\n```/);
      expect(question).toMatch(/\n_Question ask_\S+ is open while the tool waits for it: reply soon\._$/);
      expect(await chat.say('{"name": "Ada Lovelace"}')).toMatch(/^✅ User provided the requested information!\n\nUser inputs:\n- Name: Ada Lovelace\n/);
    });
  });

  describe("LiteLLM's playground in headless Chromium, default settings", () => {
    let playground: Playground;

    beforeAll(async () => {
      playground = await Playground.open(litellm);
    }, 60_000);
    afterAll(async () => {
      await playground?.close();
    });

    /** The answer shows the question, and the JSON to send as a highlighted JSON code block. */
    const asksAbout = (table: string) => async (answer: Locator) => {
      await answer.getByText(`Delete every row of "${table}"?`).waitFor();
      await expect(answer.locator('code.language-json').innerText()).resolves.toBe(EXAMPLE);
      await answer.getByText(/Question \S+ is open for 24 hours\./).waitFor();
    };
    /** The chat scrolls inside the page, the last message on top: a tall window scrolled to its first message shows all of it. */
    const wholeChatScreenshot = async (name: string) => {
      const { page } = playground;
      const viewport = page.viewportSize()!;
      await page.setViewportSize({ ...viewport, height: 1800 });
      try {
        await page.locator('[data-slot="message"]').first().scrollIntoViewIfNeeded();
        return await playground.keepScreenshot(name);
      } finally {
        await page.setViewportSize(viewport);
      }
    };
    /** The shim's 400 as the playground shows it (LiteLLM's Responses path quotes it as JSON: quotes may come escaped). */
    const NOT_FITTING_SHOWN = /That answer does not fit what \\*"delete_rows\\*" asked: [^]*Reply with JSON like this, with your own values: \{\\*"confirm\\*": true, \\*"reason\\*": \\*"<reason>\\*"\}/;

    type Sent = { messages?: { role: string; content: unknown }[]; input?: unknown; previous_response_id?: string };
    test.each([
      {
        endpoint: '/v1/chat/completions',
        table: 'orders',
        reason: 'spring cleaning',
        screenshot: 'ui-tool-asks.png',
        // The UI resends the whole chat, the question as the shim wrote it, without the failed turn.
        resent: ([first, wrong, right]: Sent[]) => {
          expect(first!.messages).toEqual([expect.objectContaining({ role: 'user', content: '{"table": "orders"}' })]);
          expect(wrong!.messages!.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
          expect(questionId(String(wrong!.messages![1]!.content))).toMatch(/^ask_/);
          expect(right!.messages!.slice(0, 2)).toEqual(wrong!.messages!.slice(0, 2));
          expect(right!.messages![2]).toEqual(expect.objectContaining({ role: 'user', content: '{"confirm": true, "reason": "spring cleaning"}' }));
        },
      },
      {
        endpoint: '/v1/responses',
        table: 'payments',
        reason: 'refunded',
        screenshot: 'ui-tool-asks-responses.png',
        // "Keep context on the gateway": the new message and the id of the last response that succeeded, the question.
        resent: ([first, wrong, right]: Sent[]) => {
          expect(first!.previous_response_id).toBeUndefined();
          expect(wrong!.previous_response_id).toMatch(/^resp_/);
          expect(right!.previous_response_id).toBe(wrong!.previous_response_id);
          expect(JSON.stringify(right!.input)).not.toContain('payments');
        },
      },
    ] as const)('$endpoint: the question, a wrong answer and its 400, the right answer and the result, in one chat', async ({ endpoint, table, reason, screenshot, resent }) => {
      const sent = playground.recordPosts(endpoint.slice('/v1'.length)) as Sent[];
      await playground.ask(endpoint, 'delete_rows', `{"table": "${table}"}`, asksAbout(table));
      await playground.send('{"confirm": "sure"}');
      const refused = playground.answers().nth(1);
      await refused.getByText('The request failed').waitFor();
      await expect(refused.innerText()).resolves.toMatch(NOT_FITTING_SHOWN);
      const result = `Deleted 3 rows from "${table}" (${reason}).`;
      await playground.ask(endpoint, 'delete_rows', `{"confirm": true, "reason": "${reason}"}`, (answer) => answer.getByText(result, { exact: true }).waitFor(), { sameChat: true });
      const file = await wholeChatScreenshot(screenshot);
      console.log(`screenshot of a tool's question answered in the playground (${endpoint}): ${file}`);

      // One chat on the page: the question, the refusal, the result, each under the tool's name.
      const said = await playground.page.locator('[data-slot="message"]').allInnerTexts();
      expect(said).toHaveLength(6);
      expect(said[1]).toMatch(new RegExp(`^delete_rows\\s+delete_rows asks: Delete every row of "${table}"\\?`));
      expect(said[3]).toMatch(/^delete_rows\s+The request failed\s+400 /);
      expect(said[5]).toMatch(new RegExp(`^delete_rows\\s+${result.replace(/[.()]/g, '\\$&')}`));
      expect(sent).toHaveLength(3);
      resent(sent);
      // The question asked once, the tool run once.
      expect(records.stdio!.lines().filter((line) => line.endsWith(` ${table}`))).toEqual([`asked delete_rows ${table}`, `deleted ${table}`]);
      expect(playground.offLoopback).toEqual([]);
    }, 120_000);
  });
});
