import OpenAI, { APIError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/** A chat as the LiteLLM UI keeps it: every turn resent with the next message. */
export class Chat {
  readonly messages: ChatCompletionMessageParam[] = [];
  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
    private readonly stream = false,
  ) {}

  /** Sends `content` as the next user message; the assistant's answer joins the history. */
  async say(content: string): Promise<string> {
    this.messages.push({ role: 'user', content });
    const answer = this.stream ? await this.streamed() : ((await this.client.chat.completions.create({ model: this.model, messages: this.messages })).choices[0]!.message.content ?? '');
    this.messages.push({ role: 'assistant', content: answer });
    return answer;
  }

  /** Sends `content` expecting a 400; the history keeps the user message out, as a UI does after an error. */
  async sayWrongly(content: string): Promise<APIError> {
    const error = await this.client.chat.completions.create({ model: this.model, messages: [...this.messages, { role: 'user', content }] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  }

  private async streamed(): Promise<string> {
    const stream = await this.client.chat.completions.create({ model: this.model, messages: this.messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return text;
  }
}
