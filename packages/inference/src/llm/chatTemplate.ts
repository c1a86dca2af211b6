import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { InferenceError, InferenceErrorCode } from '../errors';
import { badExport, readJsonObject, readOptionalText } from '../exportFiles';

/**
 * A model's chat template, found where transformers (4.57) looks for it, first found wins:
 * 1. `chat_template.jinja` (what `save_pretrained` writes today);
 * 2. `chat_template.json` `{"chat_template": ...}` (the processors' file, some exports carry it);
 * 3. `tokenizer_config.json` `chat_template` (older exports).
 * A value may be a string or a list of `{name, template}`, of which "default" is used (as
 * transformers does without tools).
 *
 * Rendering passes what `apply_chat_template` passes: messages, add_generation_prompt,
 * tools = documents = none, every special token that is set (bos_token, eos_token, unk_token,
 * pad_token, ...). @huggingface/jinja has the globals transformers adds (raise_exception,
 * strftime_now); an error a template raises is a bad request naming the template's message.
 */
export type ChatTemplateSource =
  | 'chat_template.jinja'
  | 'chat_template.json'
  | 'tokenizer_config.json';

export interface ChatTemplateText {
  text: string;
  source: ChatTemplateSource;
  /** The file it was read from, for messages. */
  path?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The template in a tokenizer_config.json / chat_template.json `chat_template` value. */
export function templateOfValue(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = new Map<string, string>();
    for (const t of value) {
      const { name, template } = (t ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw badExport(file, 'chat_template list entries must be {"name", "template"} strings');
      }
      named.set(name, template);
    }
    const chosen = named.get('default');
    if (chosen === undefined) {
      throw badExport(
        file,
        `chat_template lists ${[...named.keys()].join(', ') || 'no templates'} but no "default"`,
      );
    }
    return chosen;
  }
  throw badExport(file, 'chat_template must be a string or a list of {name, template}');
}

/** Finds the chat template of an export folder; undefined if it has none. */
export async function readChatTemplate(
  dir: string,
  tokenizerConfig: Record<string, unknown>,
): Promise<ChatTemplateText | undefined> {
  const jinjaPath = join(dir, 'chat_template.jinja');
  const jinja = await readOptionalText(jinjaPath);
  if (jinja !== undefined) return { text: jinja, source: 'chat_template.jinja', path: jinjaPath };
  const jsonPath = join(dir, 'chat_template.json');
  const json = await readJsonObject(jsonPath);
  const fromJson = json ? templateOfValue(json.chat_template, jsonPath) : undefined;
  if (fromJson !== undefined) {
    return { text: fromJson, source: 'chat_template.json', path: jsonPath };
  }
  const configPath = join(dir, 'tokenizer_config.json');
  const fromConfig = templateOfValue(tokenizerConfig.chat_template, configPath);
  return fromConfig === undefined
    ? undefined
    : { text: fromConfig, source: 'tokenizer_config.json', path: configPath };
}

export class ChatTemplate {
  private readonly template: Template;

  /** Parses the template now, so a broken one fails at load (naming `source`). */
  constructor(
    readonly text: string,
    readonly source: string,
  ) {
    try {
      this.template = new Template(text);
    } catch (err) {
      throw badExport(source, `the chat template does not parse (${(err as Error).message})`, err);
    }
  }

  render(
    messages: readonly ChatMessage[],
    options: {
      addGenerationPrompt: boolean;
      specialTokens: Readonly<Record<string, string | readonly string[]>>;
    },
  ): string {
    try {
      return this.template.render({
        ...options.specialTokens,
        messages,
        tools: null,
        documents: null,
        add_generation_prompt: options.addGenerationPrompt,
      });
    } catch (err) {
      throw new InferenceError(
        InferenceErrorCode.BadRequest,
        `the chat template (${this.source}) failed on these messages: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
