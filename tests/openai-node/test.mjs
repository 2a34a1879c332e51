// The official OpenAI Node.js client against a running `sluice serve`.
// SLUICE_BASE_URL (…/v1) and SLUICE_API_KEY say where; OpenAiNodeClientTest starts the server and runs this.
// The test model writes gibberish: checks are on shapes, counts and determinism, not on content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

const baseURL = process.env.SLUICE_BASE_URL;
const apiKey = process.env.SLUICE_API_KEY;
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'What is a sluice?' },
];

async function streamedChat(params) {
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  return { text, finish, usage };
}

test('models lists the served model', async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    ids.push(model.id);
  }
  assert.equal(ids.length, 1);
});

test('chat completion with usage', async () => {
  const r = await client.chat.completions.create({ model: 'any', messages, max_tokens: 8, seed: 1 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  const u = r.usage;
  assert.ok(u.completion_tokens >= 1 && u.completion_tokens <= 8);
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
  assert.equal(r.choices[0].finish_reason, u.completion_tokens === 8 ? 'length' : 'stop');
});

test('streamed chat equals the plain answer and reports usage', async () => {
  const params = { model: 'any', messages, max_tokens: 12, seed: 2, temperature: 1.0 };
  const plain = await client.chat.completions.create(params);
  const streamed = await streamedChat(params);
  assert.equal(streamed.text, plain.choices[0].message.content);
  assert.equal(streamed.finish, plain.choices[0].finish_reason);
  assert.equal(streamed.usage.completion_tokens, plain.usage.completion_tokens);
});

test('completions, plain and streamed', async () => {
  const params = { model: 'any', prompt: 'Once upon a time', max_tokens: 6, seed: 3 };
  const plain = await client.completions.create(params);
  assert.equal(plain.object, 'text_completion');
  assert.ok(plain.usage.completion_tokens >= 1);
  let text = '';
  for await (const chunk of await client.completions.create({ ...params, stream: true })) {
    text += chunk.choices[0]?.text ?? '';
  }
  assert.equal(text, plain.choices[0].text);
});

test('a stop string ends the answer before it', async () => {
  const params = { model: 'any', messages, max_tokens: 24, temperature: 0 };
  const free = (await client.chat.completions.create(params)).choices[0].message.content;
  assert.ok(free.length >= 4, `needs text to cut: ${JSON.stringify(free)}`);
  const stop = free.slice(Math.floor(free.length / 2), Math.floor(free.length / 2) + 2);
  const cut = await client.chat.completions.create({ ...params, stop: [stop] });
  assert.equal(cut.choices[0].message.content, free.slice(0, free.indexOf(stop)));
  assert.equal(cut.choices[0].finish_reason, 'stop');
});

test('a seed reproduces the answer', async () => {
  const params = { model: 'any', messages, max_tokens: 10, seed: 42, temperature: 1.5 };
  const a = await client.chat.completions.create(params);
  const b = await client.chat.completions.create(params);
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
});

test('a wrong API key is a 401', async () => {
  const wrong = new OpenAI({ baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model: 'any', messages }), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
    assert.equal(e.status, 401);
    return true;
  });
});

test('bad parameters are a 400 naming the field', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'any', messages, n: 2 }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.param, 'n');
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: 'any', messages, max_tokens: -1 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'max_tokens');
});
