/**
 * The verifier with Powertools Tracer: X-Ray subsegments for its DynamoDB, SQS and Secrets Manager calls,
 * as the processors have them. Deployed instead of handler.ts when cdk.json sets `traceVerifierAwsCalls`.
 * Not the default: aws-xray-sdk-core adds ~130 KB to the cold-start code and 25–45% to the cold import
 * (`npm run bench:e2e`), and Lambda's active tracing already records every invocation.
 */
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { dynamodb, secretsManager, sqs } from '../shared/aws-clients.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { handler as verifier } from './handler.ts';

traced(dynamodb);
traced(sqs);
traced(secretsManager);

export const handler = verifier.use(captureLambdaHandler(tracer));
