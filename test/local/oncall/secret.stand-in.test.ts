/** The rotation scenario (rotation.ts) with the runner's own minimal Secrets Manager (tools/stand-ins/secrets-manager-stand-in.ts). */
import { rotationScenario } from './rotation.ts';

rotationScenario('stand-ins');
