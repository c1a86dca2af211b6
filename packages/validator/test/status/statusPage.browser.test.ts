// The status page in a real headless Chromium (puppeteer-core): the validator's app on loopback
// over real storage (PGlite) with known neurons, scores, results and weights; the test reads the
// rendered DOM and checks the exact values: only miners in the miner table, this validator, the
// owner and another validator apart, why each miner has its weight, a trend chart per kind with a
// point per scored period, the chain's view of our weights; and that a hostile hotkey and error
// reason render as text (escaped) with no script run. No browser found is a failure naming
// scripts/browser/install.sh.
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
  OTHER_VALIDATOR_HOTKEY,
  OWNER_HOTKEY,
  REASONS,
  seedStatusFixture,
  TWIN_A_HOTKEY,
  TWIN_B_HOTKEY,
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
      'chain-last-update': 'block 110 (13 blocks ago)',
      'chain-agreement':
        'matches: the chain last took weights from us at block 110, where our newest weights were committed',
    };
    for (const [name, text] of Object.entries(fields)) {
      expect({ name, text: await fieldText(name) }).toEqual({ name, text });
    }
  });

  it('lists only the miners, with their weight and why, scores, trends and last results', async () => {
    const rows = await page.$$eval('#miners tbody tr', (trs) =>
      trs.map((tr) => {
        const cell = (cls: string) => tr.querySelector(`td.${cls}`);
        const items = (cls: string) =>
          [...(cell(cls)?.querySelectorAll('li') ?? [])].map((li) => li.textContent);
        return {
          uid: cell('uid')?.textContent,
          hotkey: cell('hotkey')?.textContent,
          title: cell('hotkey')?.getAttribute('title'),
          weight: cell('weight')?.querySelector('.computed')?.textContent,
          set: cell('weight')?.querySelector('.set')?.textContent ?? null,
          last: items('last-score'),
          moving: items('moving'),
          capacity: cell('capacity')?.textContent,
          results: items('results'),
        };
      }),
    );
    const why = (c: string) => `quality ${c}`;
    expect(rows).toEqual([
      {
        uid: '1',
        hotkey: '5FHneW46…94ty',
        title: HONEST_HOTKEY,
        weight: '0.8666',
        set: '61.04%',
        // Each score with the parts it was made of.
        last: [
          `Chat 0.4350 ${why('0.5000, reliability 1.0000, check 0.6000, speed 0.8000, volume 1.0000, headToHead 0.5000')}`,
          `TextToImage 0.6075 ${why('0.7500, reliability 1.0000, check 0.8000, speed 0.9000, volume 0.5000, headToHead 0.5000')}`,
        ],
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
        weight: '0.0002',
        set: '30.52%',
        last: [
          `TextToImage 0.0375 ${why('0.0625, reliability 0.5000, check 0.1000, speed 0.0000, volume 0.0000, headToHead 0.5000')}`,
        ],
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
        weight: '0.0000',
        set: '8.45%',
        last: [],
        moving: [],
        capacity: '—',
        results: [],
      },
      {
        uid: '6',
        hotkey: '5CiPPseX…2DjL',
        title: TWIN_A_HOTKEY,
        weight: '0.0720',
        set: null,
        last: [
          `TextToImage 0.8100 ${why('0.9000, reliability 1.0000, check 0.9500, speed 1.0000, volume 1.0000, headToHead 0.5000')}`,
        ],
        moving: ['TextToImage 0.9000 (n=30)'],
        capacity: '—',
        results: ['TextToImage ok 2026-09-21 14:13:05 UTC'],
      },
      {
        uid: '7',
        hotkey: '5GNJqTPy…xiZY',
        title: TWIN_B_HOTKEY,
        weight: '0.0613',
        set: null,
        last: [
          `TextToImage 0.7470 ${why('0.8300, reliability 1.0000, check 0.9500, speed 1.0000, volume 1.0000, headToHead 0.5000')}`,
        ],
        moving: ['TextToImage 0.8300 (n=20)'],
        capacity: 'TextToImage 2',
        results: [],
      },
    ]);
    expect(await page.$eval('h2', (h) => h.textContent)).toBe('Miners (5)');
  });

  it('says why each miner has its weight: the twins differ by the periods their average folds in', async () => {
    const reasons = await page.$$eval('#miners tbody tr', (trs) =>
      trs.map((tr) => [
        Number(tr.getAttribute('data-uid')),
        [...tr.querySelectorAll('td.weight .reason li')].map((li) => li.textContent),
      ]),
    );
    expect(Object.fromEntries(reasons)).toEqual(REASONS);
  });

  it('draws a trend per miner and kind, a point per scored period, in the page itself', async () => {
    expect(await page.$eval('#miners thead', (h) => h.textContent)).toContain(
      'trend (periods 40–42, 3 scored; 0 to 1)',
    );
    const trends = await page.$$eval('#miners tbody tr', (trs) =>
      trs.map((tr) => ({
        uid: tr.getAttribute('data-uid'),
        kinds: [...tr.querySelectorAll('td.trend li')].map((li) => {
          const svg = li.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            kind: li.getAttribute('data-kind'),
            points: li.querySelector('polyline')?.getAttribute('points')?.split(' ').length,
            // Rendered at its size, not dropped: the page's CSP allows inline SVG.
            size: box ? [box.width, box.height] : null,
          };
        }),
      })),
    );
    const t = (kind: string, points: number) => ({ kind, points, size: [120, 24] });
    expect(trends).toEqual([
      { uid: '1', kinds: [t('Chat', 1), t('TextToImage', 2)] },
      { uid: '2', kinds: [t('TextToImage', 1)] },
      { uid: '3', kinds: [] },
      { uid: '6', kinds: [t('TextToImage', 3)] },
      { uid: '7', kinds: [t('TextToImage', 2)] },
    ]);
    expect(await page.$$eval('svg image, svg use, svg foreignObject', (els) => els.length)).toBe(0);
  });

  it('shows this validator, the subnet owner and another validator apart, not as miners', async () => {
    const rows = await page.$$eval('#not-miners tbody tr', (trs) =>
      trs.map((tr) => ({
        uid: tr.querySelector('td.uid')?.textContent,
        title: tr.querySelector('td.hotkey')?.getAttribute('title'),
        role: tr.querySelector('td.role')?.textContent,
        why: tr.querySelector('td.why')?.textContent,
        lastUpdate: tr.querySelector('td.last-update')?.textContent,
      })),
    );
    expect(rows).toEqual([
      {
        uid: '0',
        title: VALIDATOR_HOTKEY,
        role: 'this validator',
        why: 'our hotkey',
        lastUpdate: '110',
      },
      {
        uid: '4',
        title: OWNER_HOTKEY,
        role: 'subnet owner',
        why: "the subnet owner's hotkey",
        lastUpdate: '2',
      },
      {
        uid: '5',
        title: OTHER_VALIDATOR_HOTKEY,
        role: 'validator',
        why: 'validator permit, never answered as a miner',
        lastUpdate: '105',
      },
    ]);
    const headings = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent));
    expect(headings).toEqual(['Miners (5)', 'Not miners (3)', 'Weights']);
    // None of them is in the miner table.
    for (const uid of ['0', '4', '5']) {
      expect({ uid, found: await page.$$(`#miners tr[data-uid="${uid}"]`) }).toEqual({
        uid,
        found: [],
      });
    }
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
