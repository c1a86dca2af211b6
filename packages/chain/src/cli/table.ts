import { raoToTao } from '@subnet/kit';
import type { Metagraph } from '../metagraph.js';

/** Rao as TAO with up to 4 decimals, trailing zeros dropped (`1000`, `0.5`). */
export function formatTao(rao: bigint): string {
  return raoToTao(rao, 4).replace(/\.?0+$/, '');
}

function short(addr: string): string {
  return addr.length > 14 ? `${addr.slice(0, 6)}…${addr.slice(-6)}` : addr;
}

/** A readable metagraph table (one row per uid). */
export function metagraphTable(mg: Metagraph): string {
  const head = [
    'UID',
    'HOTKEY',
    'COLDKEY',
    'STAKE',
    'VPERMIT',
    'INCENTIVE',
    'DIVIDENDS',
    'EMISSION',
    'UPDATED',
    'AXON',
  ];
  const rows = mg.neurons.map((n) => [
    String(n.uid),
    short(n.hotkey),
    short(n.coldkey),
    formatTao(n.stake),
    n.validatorPermit ? '*' : '',
    n.incentive.toFixed(4),
    n.dividends.toFixed(4),
    formatTao(n.emission),
    String(n.lastUpdate),
    n.axon.ipType === 0
      ? '-'
      : n.axon.ipType === 6
        ? `[${n.axon.ip}]:${n.axon.port}`
        : `${n.axon.ip}:${n.axon.port}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    `subnet ${mg.netuid} at block ${mg.block}: ${mg.n} neurons (${mg.source})`,
    line(head),
    ...rows.map(line),
  ].join('\n');
}
