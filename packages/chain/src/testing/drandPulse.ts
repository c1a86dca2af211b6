/**
 * A real drand quicknet pulse (public, from subtensor's drand pallet tests) and a way to store
 * pulses on a devnet, which offline receives none: tests target timelocked commits at this round
 * and the chain decrypts them with it.
 */
import { WsProvider } from '@polkadot/api';

export interface DrandPulse {
  round: bigint;
  /** G1 signature, compressed (48 bytes), hex. */
  signature: `0x${string}`;
  randomness: `0x${string}`;
}

export const QUICKNET_ROUND_1000: DrandPulse = {
  round: 1000n,
  signature:
    '0xb44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39',
  randomness: '0xfe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd',
};

/**
 * Writes pulses into the devnet's drand pallet (`Drand.Pulses`) and sets `LastStoredRound`,
 * through chopsticks' `dev_setStorage` at the head.
 */
export async function storeDrandPulses(
  endpoint: string,
  pulses: readonly DrandPulse[],
  lastStoredRound: bigint,
): Promise<void> {
  const provider = new WsProvider(endpoint, 0);
  try {
    await provider.connect();
    await provider.isReady;
    await provider.send('dev_setStorage', [
      {
        Drand: {
          Pulses: pulses.map((p) => [
            [p.round.toString()],
            { round: p.round.toString(), randomness: p.randomness, signature: p.signature },
          ]),
          LastStoredRound: lastStoredRound.toString(),
        },
      },
    ]);
  } finally {
    await provider.disconnect().catch(() => undefined);
  }
}
