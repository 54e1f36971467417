export { CredentialCipher, CredentialDecryptionError, type SealedValue } from './credential-cipher';
export { EncryptionKeyError, KeyRing, addKeyToFile, derivedKeyId, loadKeyRing, parseEncryptionKeyEnv, type EncryptionKey } from './key-ring';
export { Secret } from './secret';
