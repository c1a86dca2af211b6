/**
 * The well-known development keys (`//Alice`, `//Bob`, ...): public test doubles for every package.
 * Never use them for anything of value: their secrets are public.
 */
import { type Hotkey, hotkeyFromUri } from '../keys';

export const DEV_KEY_NAMES = ['alice', 'bob', 'charlie', 'dave', 'eve', 'ferdie'] as const;
export type DevKeyName = (typeof DEV_KEY_NAMES)[number];

export function devUri(name: DevKeyName): string {
  return `//${name[0]?.toUpperCase()}${name.slice(1)}`;
}

const cache = new Map<DevKeyName, Promise<Hotkey>>();

export function devHotkey(name: DevKeyName): Promise<Hotkey> {
  let p = cache.get(name);
  if (!p) {
    p = hotkeyFromUri(devUri(name));
    cache.set(name, p);
  }
  return p;
}

export async function devHotkeys(): Promise<Record<DevKeyName, Hotkey>> {
  const entries = await Promise.all(
    DEV_KEY_NAMES.map(async (n) => [n, await devHotkey(n)] as const),
  );
  return Object.fromEntries(entries) as Record<DevKeyName, Hotkey>;
}
