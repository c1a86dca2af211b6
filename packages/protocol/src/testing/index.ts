export { DEV_KEY_NAMES, type DevKeyName, devHotkey, devHotkeys, devUri } from './devKeys';
export { Dummy, Prompting } from './exampleSynapses';
