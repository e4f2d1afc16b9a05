/**
 * Marketing ops' settings, one file per area. Edit them and run `npx cdk deploy`; `npm start` picks them
 * up on restart. Everything is validated together by `shared/config/settings.ts`.
 */
export { app } from './app.ts';
export { deals } from './deals.ts';
export { forms } from './forms.ts';
export { handoff } from './handoff.ts';
export { reports } from './reports.ts';
export { scoring } from './scoring.ts';
export { nurtureSettings, sequences } from './sequences.ts';
export { templates } from './templates.ts';
