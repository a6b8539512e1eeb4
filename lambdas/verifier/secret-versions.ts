/** Reads one version stage of a Secrets Manager secret for the SecretCache. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FetchSecretVersion } from './secret-cache.ts';

export function secretsManagerVersions(client: SecretsManagerClient): FetchSecretVersion {
  return async (secretId, stage) => {
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      // A binary secret has no string to derive a key from: treated like an empty value (refused by deriveKey).
      return { value: out.SecretString ?? '', ...(out.VersionId ? { versionId: out.VersionId } : {}), ...(out.CreatedDate ? { createdAt: out.CreatedDate } : {}) };
    } catch (error) {
      // Normal for AWSPREVIOUS before the first rotation; for AWSCURRENT it means no value was ever set.
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
}
