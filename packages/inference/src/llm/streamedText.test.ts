import { describe, expect, it } from 'vitest';
import { StreamedText } from './streamedText';

describe('StreamedText', () => {
  it('holds back a possible stop-sequence start and releases it once it is not one', () => {
    const s = new StreamedText(['END', '\n\n']);
    expect(s.update('abc E')).toEqual({ piece: 'abc ', stopped: false });
    expect(s.update('abc EN')).toEqual({ piece: '', stopped: false });
    expect(s.update('abc ENX')).toEqual({ piece: 'ENX', stopped: false });
    expect(s.update('abc ENX\n')).toEqual({ piece: '', stopped: false });
    expect(s.update('abc ENX\nyEN')).toEqual({ piece: '\ny', stopped: false });
    expect(s.update('abc ENX\nyEND tail')).toEqual({ piece: '', stopped: true });
    expect(s.text).toBe('abc ENX\ny');
    expect(s.update('more')).toEqual({ piece: '', stopped: true });
  });

  it('takes the earliest of several stop sequences, even inside one piece', () => {
    const s = new StreamedText(['zz', 'b']);
    expect(s.update('aazzab')).toEqual({ piece: 'aa', stopped: true });
    expect(s.text).toBe('aa');
  });

  it('holds back an unfinished character and flushes the rest at the end', () => {
    const s = new StreamedText([]);
    expect(s.update('ok \uFFFD')).toEqual({ piece: 'ok ', stopped: false });
    expect(s.flush('ok \uFFFD')).toBe('\uFFFD');
    expect(s.text).toBe('ok \uFFFD');
  });
});
