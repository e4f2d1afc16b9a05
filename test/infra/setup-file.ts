import { afterAll } from 'vitest';
import { removeStagingDirs } from '../../infra/staging.ts';
import { removeSynthOutput } from '../support/cdk-app.ts';

afterAll(() => {
  removeSynthOutput();
  removeStagingDirs();
});
