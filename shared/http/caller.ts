import type { HttpEvent } from '#http/api';

/**
 * The owner id of the signed-in caller, for `owner=me`. Not wired yet: the ops routes are IAM-authorized
 * (a machine, not a person), so there is no owner to resolve and this returns undefined (the list answers
 * 400). The console's sign-in replaces this with the owner claim of the caller's token.
 */
export function callerOwnerId(_event: HttpEvent): string | undefined {
  return undefined;
}
