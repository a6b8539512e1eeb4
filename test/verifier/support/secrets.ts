/**
 * Provider secrets for the handler tests: in moto_server (real Secrets Manager API with version stages)
 * when it is on PATH, otherwise in an aws-sdk-client-mock of GetSecretValue, so that the dynalite and
 * local-aws-sqs tests still run on a machine without moto.
 */
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { adminClientConfig } from '../../support/stand-ins.ts';

export interface SecretStore {
  /** Creates a secret with an AWSCURRENT value; resolves its ARN. */
  create(name: string, value: string): Promise<string>;
  /** PutSecretValue: the new value becomes AWSCURRENT, the old one AWSPREVIOUS. */
  rotate(arn: string, value: string): Promise<void>;
  /** Called for each GetSecretValue the mock answers (moto calls are seen by the client middleware). */
  onMockedCall?: () => void;
  restore(): void;
}

export function motoSecrets(endpoint: string): SecretStore {
  const client = new SecretsManagerClient(adminClientConfig(endpoint));
  return {
    async create(name, value) {
      const out = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      if (!out.ARN) throw new Error('moto returned no ARN');
      return out.ARN;
    },
    async rotate(arn, value) {
      await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
    },
    restore() {
      client.destroy();
    },
  };
}

interface Versions {
  current: { value: string; createdAt: Date };
  previous?: { value: string; createdAt: Date };
}

export function mockedSecrets(): SecretStore {
  const secrets = new Map<string, Versions>();
  const mock = mockClient(SecretsManagerClient);
  const store: SecretStore = {
    async create(name, value) {
      const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
      secrets.set(arn, { current: { value, createdAt: new Date() } });
      return arn;
    },
    async rotate(arn, value) {
      const versions = secrets.get(arn);
      if (!versions) throw new Error(`no secret ${arn}`);
      secrets.set(arn, { current: { value, createdAt: new Date() }, previous: versions.current });
    },
    restore() {
      mock.restore();
    },
  };
  mock.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string; VersionStage?: string }) => {
    store.onMockedCall?.();
    const versions = secrets.get(input.SecretId);
    const version = input.VersionStage === 'AWSPREVIOUS' ? versions?.previous : versions?.current;
    if (!version) throw new ResourceNotFoundException({ message: 'no such version', $metadata: {} });
    return { ARN: input.SecretId, SecretString: version.value, CreatedDate: version.createdAt, VersionStages: [input.VersionStage ?? 'AWSCURRENT'] };
  });
  return store;
}
