/** The rotation scenario (rotation.ts) with moto_server as the local stack's Secrets Manager. */
import { describe, it } from 'vitest';
import { rotationScenario } from './rotation.ts';
import { HAS_MOTO } from './support.ts';

if (HAS_MOTO) rotationScenario('moto');
else {
  console.warn('[test/local/oncall] moto_server is not on PATH: the rotation scenario against moto is SKIPPED (pip install "moto[server]"); the stand-in variant still runs.');
  describe.skip('ops secret against moto_server (moto_server not installed)', () => it('skipped', () => undefined));
}
