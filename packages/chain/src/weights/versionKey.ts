/** The SDK's version key for bittensor 10.5.0 (`version_as_int`), sent with weights by default. */
export const DEFAULT_VERSION_KEY = 10_005_000n;
