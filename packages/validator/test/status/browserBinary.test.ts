// The rule the browser test finds Chromium by (the same as scripts/browser/install.sh).
import { describe, expect, it } from 'vitest';
import { findBrowser, headlessMode } from './support/browserBinary';

describe('findBrowser', () => {
  it('takes BROWSER_BIN first when it is executable', () => {
    expect(findBrowser({ BROWSER_BIN: process.execPath }, ['/usr/bin/chromium'])).toBe(
      process.execPath,
    );
  });

  it('falls back to the known paths, skipping a BROWSER_BIN that is not there', () => {
    expect(findBrowser({ BROWSER_BIN: '/nonexistent/chrome' }, ['/nope', process.execPath])).toBe(
      process.execPath,
    );
  });

  it('fails naming the install script when no browser is found', () => {
    expect(() => findBrowser({}, ['/nonexistent/chromium'])).toThrow(
      'no headless browser found (looked at /nonexistent/chromium): run scripts/browser/install.sh',
    );
  });

  it('runs headless-shell builds in shell mode and full Chromium in the new headless mode', () => {
    expect(headlessMode('/usr/bin/chromium-headless-shell')).toBe('shell');
    expect(headlessMode('/usr/bin/chromium')).toBe(true);
  });
});
