/**
 * What the `models` commands read from their flags and environment, in one place: the registry
 * (manifests and cache folder, paths taken from where the operator ran the command), the
 * execution providers, the log level. The command line is the only place this package reads
 * environment variables; everything below it gets settings.
 */
import {
  CliError,
  type CommandContext,
  createLogger,
  EXIT,
  isLogLevel,
  LOGGING_FLAGS,
  type Logger,
  type LogLevel,
  logLevelFlag,
  type OptionTable,
  resolvePath,
  stringOption,
} from '@subnet/kit';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { ModelRegistry } from '../registry/modelRegistry';
import { openRegistry } from '../registry/openRegistry';
import { type RuntimeConfig, runtimeConfigFromEnv } from '../runtime/runtimeConfig';

/** Where the cache is when neither --cache-dir nor SUBNET_MODELS_DIR says. */
export const DEFAULT_CACHE_DIR = '~/.cache/subnet/models';

export const REGISTRY_FLAGS: OptionTable = {
  manifest: {
    type: 'string',
    value: 'FILE',
    multiple: true,
    description:
      'an operator manifest, read after the built-in one and those of SUBNET_MODELS_MANIFEST',
  },
  'cache-dir': {
    type: 'string',
    value: 'DIR',
    description: `where model files go (else SUBNET_MODELS_DIR, else ${DEFAULT_CACHE_DIR})`,
  },
};

/** The kit's logging flags; the models commands log warnings and errors only unless asked. */
export const MODELS_LOGGING_FLAGS: OptionTable = {
  ...LOGGING_FLAGS,
  'logging.level': {
    ...(LOGGING_FLAGS['logging.level'] as OptionTable[string]),
    description: 'trace, debug, info, warn or error (else LOG_LEVEL)',
    default: 'warn',
  },
};

/** The manifests and cache folder the flags and SUBNET_MODELS_* name, as absolute paths. */
export function registrySettings(ctx: CommandContext): { manifests: string[]; cacheDir: string } {
  const { values, io } = ctx;
  const fromEnv = (io.env.SUBNET_MODELS_MANIFEST ?? '').split(':').filter(Boolean);
  const flag = values.manifest;
  const fromFlags = Array.isArray(flag) ? flag : typeof flag === 'string' ? [flag] : [];
  const cacheDir =
    stringOption(values, 'cache-dir') || io.env.SUBNET_MODELS_DIR || DEFAULT_CACHE_DIR;
  return {
    manifests: [...fromEnv, ...fromFlags].map((p) => resolvePath(p, io.paths)),
    cacheDir: resolvePath(cacheDir, io.paths),
  };
}

export function openCliRegistry(ctx: CommandContext): Promise<ModelRegistry> {
  return openRegistry(registrySettings(ctx));
}

/** The execution providers SUBNET_INFERENCE_* ask for; a bad value is a configuration error. */
export function cliRuntime(ctx: CommandContext): RuntimeConfig {
  try {
    return runtimeConfigFromEnv(ctx.io.env);
  } catch (err) {
    if (err instanceof InferenceError && err.code === InferenceErrorCode.BadConfig) {
      throw new CliError(err.code, err.message, {
        exitCode: EXIT.usage,
        fix: 'SUBNET_INFERENCE_PROVIDERS is a comma-separated list of cuda, webgpu, cpu; SUBNET_INFERENCE_DEVICE_ID and SUBNET_INFERENCE_THREADS are whole numbers (docs/gpu.md)',
        cause: err,
      });
    }
    throw err;
  }
}

/** The command's logger: JSON lines on stderr (through the io), warn unless told otherwise. */
export function cliLogger(ctx: CommandContext): Logger {
  let level: LogLevel | undefined = logLevelFlag(ctx.values);
  const fromEnv = ctx.io.env.LOG_LEVEL;
  if (level === undefined && fromEnv !== undefined && fromEnv !== '') {
    if (!isLogLevel(fromEnv)) {
      throw new CliError('USAGE', `LOG_LEVEL=${fromEnv} is not a log level`, {
        exitCode: EXIT.usage,
        fix: 'set LOG_LEVEL to one of trace, debug, info, warn, error (or unset it)',
      });
    }
    level = fromEnv;
  }
  const err = ctx.io.err;
  return createLogger({
    name: 'models',
    level: level ?? 'warn',
    destination: { write: (line: string) => err(line.replace(/\n$/, '')) },
  });
}

/** The fix the CLI prints for the registry's errors that carry none of their own. */
export function withFix(err: unknown): unknown {
  if (!(err instanceof InferenceError) || err.fix !== undefined) return err;
  const fix = REGISTRY_FIXES[err.code];
  return fix === undefined ? err : new InferenceError(err.code, err.message, { cause: err, fix });
}

const REGISTRY_FIXES: Partial<Record<InferenceErrorCode, string>> = {
  [InferenceErrorCode.UnknownModel]:
    'run `pnpm models list` (with the same --manifest flags) for the ids your manifests list; add a manifest with --manifest FILE',
  [InferenceErrorCode.BadManifest]:
    'check that the file exists and is a model manifest (docs/models.md, "The manifest")',
  [InferenceErrorCode.Offline]:
    'check the network, then run the same pull again: it resumes where it stopped',
  [InferenceErrorCode.HashMismatch]:
    'the file at that URL is not the one the manifest lists (the download was deleted): ask its publisher, or correct the manifest',
  [InferenceErrorCode.DownloadFailed]:
    'check the URL in the manifest, then run the same pull again',
  [InferenceErrorCode.DownloadIncomplete]: 'run the same pull again: it resumes where it stopped',
};
