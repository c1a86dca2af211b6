/**
 * What `pnpm validator doctor` (doctorCommand.ts) runs: what `start` needs, checked before
 * starting it, with the same flags, variables and file. Exit 1 when any check fails (FAIL lines
 * name the fix). It changes nothing: a data folder that does not exist yet is a warning.
 */
import { chainChecks, readHotkeyAddress, walletChecks } from '@subnet/chain';
import { modelChecks, providerChecks } from '@subnet/inference';
import {
  assertNoBlockers,
  type Check,
  type CommandContext,
  createLogger,
  logLevelFlag,
  nodeVersionCheck,
  portFreeCheck,
  resolvePath,
  runChecklist,
} from '@subnet/kit';
import { databaseCheck } from '../doctor/databaseCheck';
import { modelFilesCheck } from '../doctor/modelFilesCheck';
import { daemonConfig } from './settingFlags';

export async function runDoctor({ values, io }: CommandContext): Promise<number> {
  const config = daemonConfig(values, io);
  // stdout is the checklist: the libraries' log lines go to stderr, warnings only by default.
  const logger = createLogger({
    name: 'validator',
    level: logLevelFlag(values) ?? 'warn',
    destination: 2,
  });
  const { wallet, api, checking } = config;
  const walletRef = { path: wallet.path, name: wallet.name, hotkey: wallet.hotkey };
  const checks: Check[] = [nodeVersionCheck({ major: 20, minor: 19 })];
  // The status server listens on the API's port when the API itself is off.
  if (api.port !== 0) {
    checks.push(portFreeCheck(api.enabled ? 'API port' : 'status port', api.host, api.port));
  }
  checks.push(
    ...walletChecks(walletRef),
    ...chainChecks({
      network: config.subtensor.network,
      netuid: config.netuid,
      hotkeyAddress: readHotkeyAddress(walletRef),
      role: 'validator',
      logger,
      wallet: walletRef,
    }),
  );
  const entries = Object.entries(checking.models.entries);
  if (entries.length > 0) {
    const providers = [...new Set(entries.flatMap(([, e]) => e.providers))];
    const onCuda = entries.find(([, e]) => e.providers.includes('cuda'));
    checks.push(
      ...providerChecks({
        providers,
        logger,
        ...(onCuda ? { deviceId: onCuda[1].device_id } : {}),
      }),
    );
    const llms = entries.flatMap(([id, e]) => (e.type === 'llm' ? [e.registry_id ?? id] : []));
    if (llms.length > 0) {
      const { registry } = checking.models;
      const fromEnv = (io.env.SUBNET_MODELS_MANIFEST ?? '').split(':').filter(Boolean);
      checks.push(
        ...modelChecks({
          cacheDir:
            registry.cache_dir ??
            resolvePath(io.env.SUBNET_MODELS_DIR || '~/.cache/subnet/models', io.paths),
          manifests: [...fromEnv.map((p) => resolvePath(p, io.paths)), ...registry.manifests],
          ids: llms,
          logger,
        }),
      );
    }
    const files = modelFilesCheck(checking.models);
    if (files) checks.push(files);
  }
  checks.push(databaseCheck({ databaseUrl: config.database_url, dataDir: config.data_dir }));

  const report = await runChecklist(checks, io.out);
  assertNoBlockers(report, 'pnpm validator');
  return 0;
}
