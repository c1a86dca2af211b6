/**
 * The events of a streamed Chat/Completion answer as a miner sends them: each token (logprob
 * -0.25, no alternatives) and then the done event. A test axon answers with `{ events }` of it.
 */
export async function* streamTokens(
  tokens: readonly string[],
  promptTokens: number,
): AsyncGenerator<unknown> {
  for (const [index, token] of tokens.entries()) {
    yield { type: 'token', index, token, logprob: -0.25, top_logprobs: [] };
  }
  yield {
    type: 'done',
    finish_reason: 'stop',
    prompt_tokens: promptTokens,
    completion_tokens: tokens.length,
  };
}
