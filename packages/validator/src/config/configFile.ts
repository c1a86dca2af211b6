/**
 * The `--config` file, YAML or JSON, read as a settings tree. The chain package's layered loader
 * does the reading (it holds the YAML parser); nothing is validated here, and a file whose top
 * level is not a mapping reads as no settings.
 */
import { type ConfigTree, loadLayeredConfig } from '@subnet/chain/config';
import { z } from 'zod';
import { ValidatorError, ValidatorErrorCode } from '../errors';

const FIX =
  'check the path given to --config (a relative path is taken from the folder you run the command in) and that the file is YAML or JSON';

export function readConfigFile(file: string): ConfigTree {
  return loadLayeredConfig(
    z.record(z.string(), z.unknown()),
    { flags: {}, file },
    {
      envPrefix: '\0',
      what: 'validator',
      fail: (message, cause) =>
        new ValidatorError(ValidatorErrorCode.ConfigInvalid, message, { cause, fix: FIX }),
    },
  ) as ConfigTree;
}
