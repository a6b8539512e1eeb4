/**
 * The S3 client, for claim checks (bodies above the SQS message limit) and the spool (SendMessage failed;
 * the sweeper). A module of its own so that the verifier can load it with `import()` on first use: the bundles are split (lib/bundling.ts),
 * and the S3 client (~140 KB minified) stays out of the verifier's cold start.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from './client-config.ts';

export const s3 = new S3Client(clientConfig);
