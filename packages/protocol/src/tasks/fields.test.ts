import { describe, expect, it } from 'vitest';
import { base64ImageField, imagePromptField, loraIdField, modelIdField } from './fields';
import { base64Length } from './limits';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) =>
  schema.safeParse(v).success;

describe('model and adapter ids', () => {
  it.each([
    ['sdxl-base', true, true],
    ['Llama-3.2-3B-Instruct', true, true],
    ['v1.5_final', true, true],
    ['9lives', true, true],
    ['openai/clip-vit-large-patch14', true, false],
    ['a/b/c', false, false],
    ['/etc/passwd', false, false],
    ['../weights', false, false],
    ['org/../x', false, false],
    ['.hidden', false, false],
    ['-flag', false, false],
    ['has space', false, false],
    ['emoji🙂', false, false],
    ['a\\b', false, false],
    ['name:tag', false, false],
    ['org/', false, false],
  ])('%s: model id %s, adapter id %s', (id, asModel, asLora) => {
    expect(ok(modelIdField(), id)).toBe(asModel);
    expect(ok(loraIdField(), id)).toBe(asLora);
  });
});

describe('base64 image field', () => {
  const field = base64ImageField(6);
  it('accepts padded and unpadded quads up to the byte limit', () => {
    expect(base64Length(6)).toBe(8);
    expect(base64Length(7)).toBe(12);
    for (const v of ['AAAA', 'AA==', 'AAA=', 'ab+/09AZ', 'QUJDREVG'])
      expect([v, ok(field, v)]).toEqual([v, true]);
  });

  it.each([
    ['', 'must be a base64-encoded image'],
    ['AAAAAAAAAAAA', 'must be at most 8 base64 characters (an image of at most 6 bytes)'],
    ['A===', 'must be plain base64'],
    ['A=AA', 'must be plain base64'],
    ['AA AA', 'must be plain base64'],
    ['AA-_', 'must be plain base64'],
    ['AAAAA', 'base64 length must be a multiple of 4'],
  ])('rejects %j: %s', (value, message) => {
    const r = field.safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message.startsWith(message)).toBe(true);
  });

  it('stops at the length check on an oversized value', () => {
    const r = field.safeParse('!'.repeat(100));
    expect(r.error?.issues.map((i) => i.message)).toEqual([
      'must be at most 8 base64 characters (an image of at most 6 bytes)',
    ]);
  });
});

describe('image prompt field', () => {
  it('refuses whitespace only, keeps surrounding whitespace otherwise', () => {
    expect(ok(imagePromptField(), ' \n\t ')).toBe(false);
    expect(imagePromptField().parse('  a cat ')).toBe('  a cat ');
  });
});
