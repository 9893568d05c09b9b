/**
 * Chat `messages` rendered with the model's own chat template (tokenizer_config.json
 * `chat_template`, a Jinja template) through @huggingface/jinja, the implementation made for
 * these templates. The rendering is cut into segments so the loss can be taken on assistant turns
 * only: an assistant turn i is the text between render(messages[..i], add_generation_prompt) and
 * render(messages[..i+1]) — the template's own turn markers and end-of-turn token included.
 */
import { Template } from '@huggingface/jinja';
import { LorahpoError } from '../contract/errors.ts';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatTemplate {
  template: string;
  /** Special-token strings the templates refer to (`{{ bos_token }}`). */
  bosToken?: string;
  eosToken?: string;
}

export interface ChatSegment {
  text: string;
  /** An assistant turn: its tokens are prediction targets. */
  assistant: boolean;
}

/** `where` names the dataset line in errors. */
export function renderChatSegments(chat: ChatTemplate, messages: readonly ChatMessage[], where: string): ChatSegment[] {
  let template: Template;
  try {
    template = new Template(chat.template);
  } catch (error) {
    throw new LorahpoError(
      'LORAHPO_MODEL_INVALID',
      `the chat_template of tokenizer_config.json does not parse: ${(error as Error).message}`,
    );
  }
  const render = (upTo: number, addGenerationPrompt: boolean) => {
    try {
      return template.render({
        messages: messages.slice(0, upTo),
        add_generation_prompt: addGenerationPrompt,
        bos_token: chat.bosToken ?? '',
        eos_token: chat.eosToken ?? '',
      });
    } catch (error) {
      throw new LorahpoError('LORAHPO_DATA_INVALID', `${where}: the chat template fails: ${(error as Error).message}`);
    }
  };
  const full = render(messages.length, false);
  const segments: ChatSegment[] = [];
  let at = 0;
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    const start = render(i, true).length;
    const end = render(i + 1, false).length;
    if (start < at || end < start || !full.startsWith(render(i + 1, false)) || !full.startsWith(render(i, true))) {
      throw new LorahpoError(
        'LORAHPO_DATA_INVALID',
        `${where}: the chat template does not render message ${i} as an extension of the messages before it, so the assistant turn cannot be told apart`,
      );
    }
    if (start > at) segments.push({ text: full.slice(at, start), assistant: false });
    segments.push({ text: full.slice(start, end), assistant: true });
    at = end;
  });
  if (at < full.length) segments.push({ text: full.slice(at), assistant: false });
  return segments;
}
