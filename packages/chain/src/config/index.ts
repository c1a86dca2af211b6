// @subnet/chain/config: btcli-style daemon configuration (file < env < flags) and the wallet and
// subtensor sections.
export {
  type ConfigSources,
  type ConfigTree,
  envTree,
  type LayeredConfigOptions,
  loadLayeredConfig,
  mergeTrees,
  subtensorConfigSchema,
  walletConfigSchema,
} from './layeredConfig';
