/**
 * Marketing ops' settings, one file per area. Edit them and run `npx cdk deploy`; `npm start` picks them
 * up on restart. Everything is validated by `shared/config/settings.ts`.
 */
export { app } from './app.ts';
