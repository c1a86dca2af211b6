import type { TaskCapacity } from '@subnet/protocol/tasks';
import { describe, expect, it } from 'vitest';
import { validatorConfigSchema } from '../config/validatorConfig';
import { boundCapacities, type Capacities, fitToBudget } from './queryCapacity';
import { workSettings, workSettingsFromConfig } from './workSettings';

const offer = (volume: unknown, models = ['m']): TaskCapacity =>
  ({ volume, models, loras: [] }) as unknown as TaskCapacity;

describe('boundCapacities', () => {
  const settings = workSettings({
    kinds: { Chat: { maxVolume: 100 }, TextToImage: { maxVolume: 8 } },
  });

  it('caps each kind at its maximum and says so', () => {
    const bounded = boundCapacities(
      { Chat: offer(1_000_000), TextToImage: offer(3), Completion: offer(5, ['llm']) },
      settings,
    );
    expect(bounded).toEqual({
      volumes: { Chat: 100, TextToImage: 3, Completion: 5 },
      models: { Chat: 'm', TextToImage: 'm', Completion: 'llm' },
      notes: ['Chat: volume 1000000 capped to 100'],
    });
  });

  it('refuses volumes that are not finite numbers >= 0, at use too', () => {
    const lies = {
      Chat: offer(Number.NaN),
      Completion: offer(-5),
      TextToImage: offer('lots'),
      Upscale: offer(Number.POSITIVE_INFINITY),
    } as Capacities;
    expect(boundCapacities(lies, settings)).toEqual({
      volumes: {},
      models: {},
      notes: [
        'Chat: volume NaN refused',
        'Completion: volume -5 refused',
        'TextToImage: volume lots refused',
        'Upscale: volume Infinity refused',
      ],
    });
  });

  it('tests the drawn share of the capped volume, rounded down', () => {
    const bounded = boundCapacities(
      { Chat: offer(50), TextToImage: offer(1) },
      settings,
      () => 0.5,
    );
    expect(bounded.volumes).toEqual({ Chat: 25 });
  });
});

describe('fitToBudget', () => {
  it('scales every miner down together to the period’s query budget', () => {
    const settings = workSettings({ maxQueries: 100, kinds: { Upscale: { cost: 2 } } });
    const miners = [
      { uid: 1, volumes: { Chat: 150 } },
      { uid: 2, volumes: { Chat: 50, Upscale: 100 } },
    ];
    // 150 + 50 + 100 / 2 = 250 queries: scaled by 100 / 250.
    expect(fitToBudget(miners, settings)).toEqual([
      { uid: 1, volumes: { Chat: 60 } },
      { uid: 2, volumes: { Chat: 20, Upscale: 40 } },
    ]);
    expect(fitToBudget(miners, workSettings({ maxQueries: 1_000 }))).toEqual(miners);
  });
});

describe('workSettingsFromConfig', () => {
  it('reads the work section over the defaults, per kind only what is given', () => {
    const config = validatorConfigSchema.parse({
      netuid: 1,
      work: {
        concurrency: '8',
        test_share: '0.5-1',
        kinds: { Chat: { max_volume: '12', max_answer_bytes: '65536' } },
      },
    }).work;
    const settings = workSettingsFromConfig(config);
    expect(settings.concurrency).toBe(8);
    expect(settings.testShare).toEqual([0.5, 1]);
    expect(settings.kinds.Chat).toEqual({
      maxVolume: 12,
      cost: 1,
      expectedSeconds: 8,
      timeoutS: 30,
      maxAnswerBytes: 65_536,
    });
    expect(settings.kinds.TextToImage).toEqual(workSettings().kinds.TextToImage);
    expect(() => validatorConfigSchema.parse({ netuid: 1, work: { test_share: '0-1' } })).toThrow(
      /0 < min <= max <= 1/,
    );
  });
});
