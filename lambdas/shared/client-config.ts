/**
 * Bounded waits for every SDK client: the strictest sender gives up after 10 s, so a hung connection must
 * fail (and be retried by the SDK, 3 attempts in all) well before that rather than hold the request until
 * the Lambda timeout. `throwOnRequestTimeout`: without it the handler only logs a warning when the request
 * timeout passes.
 */
export const clientConfig = { requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true } };
