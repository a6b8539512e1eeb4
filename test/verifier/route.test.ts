import { describe, expect, it } from 'vitest';
import { providerOf } from '../../lambdas/verifier/receive.ts';

describe('providerOf', () => {
  it('reads the provider from the literal route key the stack deploys', () => {
    expect(providerOf({ routeKey: 'POST /webhooks/standard-webhooks' })).toBe('standard-webhooks');
  });

  it('prefers a {provider} path parameter when the front door routes with one', () => {
    expect(providerOf({ routeKey: 'POST /webhooks/{provider}', pathParameters: { provider: 'sully' } })).toBe('sully');
  });

  it('gives no provider for the default route or another method', () => {
    expect(providerOf({ routeKey: '$default' })).toBe('');
    expect(providerOf({ routeKey: 'GET /webhooks/sully' })).toBe('');
    expect(providerOf({})).toBe('');
  });
});
