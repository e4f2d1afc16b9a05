/** The template sent instead of the auto-reply while a double-opt-in form waits for confirmation. */
export const DOUBLE_OPT_IN_TEMPLATE_ID = 'doi-confirm';
