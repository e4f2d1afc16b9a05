import { afterAll } from 'vitest';
import { removeSynthOutput } from '../support/cdk-app.ts';

afterAll(removeSynthOutput);
