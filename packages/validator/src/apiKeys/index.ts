export {
  type ApiKeyInfo,
  type ApiKeyListing,
  ApiKeys,
  type ApiKeysOptions,
  type Authorization,
  type CreatedKey,
} from './apiKeyService';
export { generateKey, hashSecret, KEY_PREFIX, keyIdOf, secretMatches } from './keySecret';
