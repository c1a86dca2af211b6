/**
 * The version we announce in `bt_header_*_version`, in the SDK's `version_as_int` encoding
 * (major·10⁶ + minor·10³ + patch). We speak the wire format of SDK 10.5.0.
 */
export const PROTOCOL_VERSION_STRING = '10.5.0';

export function versionAsInt(version: string): number {
  const parts = version.split('.').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p >= 1000)) {
    throw new TypeError(`version '${version}' is not major.minor.patch with parts below 1000`);
  }
  const [major = 0, minor = 0, patch = 0] = parts;
  return major * 1_000_000 + minor * 1_000 + patch;
}

export const PROTOCOL_VERSION = versionAsInt(PROTOCOL_VERSION_STRING);
