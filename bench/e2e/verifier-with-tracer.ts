/**
 * Diagnosis only (bench:e2e): the verifier as it would be with Powertools Tracer, i.e. X-Ray subsegments
 * for its SDK calls as the processors have them. Measures what leaving the tracer out of the verifier saves
 * (lambdas/shared/tracing.ts). Never deployed.
 */
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { dynamodb, secretsManager, sqs } from '../../lambdas/shared/aws-clients.ts';
import { traced, tracer } from '../../lambdas/shared/tracing.ts';
import { handler as verifier } from '../../lambdas/verifier/handler.ts';

traced(dynamodb);
traced(sqs);
traced(secretsManager);

export const handler = verifier.use(captureLambdaHandler(tracer));
