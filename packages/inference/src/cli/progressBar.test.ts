import { describe, expect, it } from 'vitest';
import { createProgressBar, formatBytes } from './progressBar';

describe('progress bar', () => {
  it('redraws in place on a terminal, at most every 100 ms, and ends the line', () => {
    let text = '';
    let clock = 0;
    const bar = createProgressBar(
      { isTTY: true, write: (s: string) => (text += s) },
      'm/w.onnx',
      () => clock,
    );
    bar.update(0, 2048);
    clock = 50;
    bar.update(512, 2048); // too soon: not drawn
    clock = 1000;
    bar.update(1024, 2048);
    clock = 2000;
    bar.update(2048, 2048);
    bar.update(2048, 2048); // after the end: nothing
    expect(text.split('\r')).toEqual([
      '',
      'm/w.onnx [------------------------]   0.0% 0 B/2.0 KiB 0 B/s',
      'm/w.onnx [############------------]  50.0% 1.0 KiB/2.0 KiB 1.0 KiB/s',
      'm/w.onnx [########################] 100.0% 2.0 KiB/2.0 KiB 1.0 KiB/s\n',
    ]);
  });

  it('says where a resumed download starts when not on a terminal', () => {
    let text = '';
    const bar = createProgressBar({ write: (s: string) => (text += s) }, 'x', () => 0);
    bar.update(1536, 3 * 1024 * 1024);
    expect(text).toBe('x: resuming at 1.5 KiB of 3.0 MiB\n');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
});
