// The status page in a real headless Chromium (puppeteer-core): the validator's app on loopback
// over real storage (PGlite) with known miners, scores, results and weights; the test reads the
// rendered DOM and checks the exact values, and that a hostile hotkey and error reason render as
// text (escaped) with no script run. No browser found is a failure naming scripts/browser/install.sh.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/index';
import { type EngineHarness, engineHarness } from '../../src/storage/testing/index';
import { findBrowser, headlessMode } from './support/browserBinary';
import { buildStatusApp, CHAIN_ENDPOINT, type StatusApp } from './support/statusApp';
import {
  FAILED_SET_ERROR,
  HONEST_HOTKEY,
  HOSTILE_ERROR,
  HOSTILE_HOTKEY,
  IDLE_HOTKEY,
  seedStatusFixture,
  VALIDATOR_HOTKEY,
} from './support/statusFixture';

let harness: EngineHarness;
let storage: Storage;
let status: StatusApp;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  const executablePath = findBrowser();
  harness = engineHarness('pglite');
  storage = await openStorage(await harness.freshConfig());
  await seedStatusFixture(storage);
  status = await buildStatusApp(storage);
  base = await status.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await puppeteer.launch({
    executablePath,
    headless: headlessMode(executablePath),
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  const response = await page.goto(`${base}/status`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await status?.close();
  await storage?.close();
  await harness?.close();
});

const fieldText = (name: string) =>
  page.$eval(`[data-field="${name}"]`, (el) => el.textContent ?? '');

describe('the status page in a browser', () => {
  it('shows the validator, the chain and the periods', async () => {
    expect(await page.title()).toBe('Validator 0 · subnet 7');
    const fields = {
      hotkey: VALIDATOR_HOTKEY,
      uid: '0',
      netuid: '7',
      endpoint: CHAIN_ENDPOINT,
      block: '123',
      'metagraph-updated': '2026-09-21 14:12:20 UTC',
      'last-handled-period': '42',
      'last-scored-period': '42',
      generated: '2026-09-21 14:13:20 UTC',
    };
    for (const [name, text] of Object.entries(fields)) {
      expect({ name, text: await fieldText(name) }).toEqual({ name, text });
    }
  });

  it('lists the miners with last scores, moving averages and last results', async () => {
    const rows = await page.$$eval('#miners tbody tr', (trs) =>
      trs.map((tr) => {
        const cell = (cls: string) => tr.querySelector(`td.${cls}`);
        const items = (cls: string) =>
          [...(cell(cls)?.querySelectorAll('li') ?? [])].map((li) => li.textContent);
        return {
          uid: cell('uid')?.textContent,
          hotkey: cell('hotkey')?.textContent,
          title: cell('hotkey')?.getAttribute('title'),
          last: items('last-score'),
          moving: items('moving'),
          capacity: cell('capacity')?.textContent,
          results: items('results'),
        };
      }),
    );
    expect(rows).toEqual([
      {
        uid: '0',
        hotkey: '5GrwvaEF…utQY',
        title: VALIDATOR_HOTKEY,
        last: [],
        moving: [],
        capacity: '—',
        results: [],
      },
      {
        uid: '1',
        hotkey: '5FHneW46…94ty',
        title: HONEST_HOTKEY,
        // Each score with the parts it was made of.
        last: ['Chat 0.6000 check 0.6000', 'TextToImage 0.8000 check 0.8000'],
        moving: ['Chat 0.5000 (n=2)', 'TextToImage 0.7500 (n=4)'],
        capacity: 'Chat 4, TextToImage 2',
        results: [
          'Chat ok 2026-09-21 14:13:00 UTC',
          'TextToImage ok, check 0.9300 (partial) 2026-09-21 14:12:50 UTC',
        ],
      },
      {
        uid: '2',
        hotkey: `"><img s…y'">`,
        title: HOSTILE_HOTKEY,
        last: ['TextToImage 0.1000 check 0.1000'],
        moving: ['TextToImage 0.1250 (n=1)'],
        // Why its Capacity answer was refused, as text (the miner's markup is not rendered).
        capacity: `refused (Capacity 422: ${HOSTILE_ERROR})`,
        results: [
          `TextToImage failed 408: ${HOSTILE_ERROR} 2026-09-21 14:13:10 UTC`,
          'TextToImage (organic) ok 2026-09-21 14:12:40 UTC',
        ],
      },
      {
        uid: '3',
        hotkey: '5FLSigC9…S59Y',
        title: IDLE_HOTKEY,
        last: [],
        moving: [],
        capacity: '—',
        results: [],
      },
    ]);
    expect(await page.$eval('h2', (h) => h.textContent)).toBe('Miners (4)');
  });

  it('shows the weights on chain with their commit-reveal state, and the newer failure', async () => {
    expect(await fieldText('weights-state')).toBe('committed, reveal after block 120');
    expect(await fieldText('weights-block')).toBe('110');
    expect(await fieldText('weights-time')).toBe('2026-09-21 14:13:15 UTC');
    expect(await fieldText('weights-version')).toBe('3');
    expect(await fieldText('pending-commits')).toBe('1');
    expect(await fieldText('weights-failure')).toBe(
      `The newest attempt failed (2026-09-21 14:13:19 UTC): ${FAILED_SET_ERROR}`,
    );
    const weights = await page.$$eval('#weights tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(weights).toEqual([
      ['1', '40000', '61.04%'],
      ['2', '20000', '30.52%'],
      ['3', '5535', '8.45%'],
    ]);
  });

  it('renders hostile hotkeys and reasons as text: no element made of them, no script run', async () => {
    const found = {
      pwned: await page.evaluate('typeof window.__pwned'),
      scripts: (await page.$$('script')).length,
      images: (await page.$$('img')).length,
      bold: (await page.$$('b, i')).length,
    };
    expect(found).toEqual({ pwned: 'undefined', scripts: 0, images: 0, bold: 0 });
  });
});
