import type { Settings } from '#config/settings-schema';
import { validatedSettings } from '#config/settings-source';
import type { MailSenderConfig } from '#config/templates';

/*
 * The validated settings every use case, handler and the CDK app reads (`config/`, checked by
 * settings-schema.ts). Where they come from is settings-source.ts: validated when loaded (synth, tests,
 * `npm start`, scripts), or, in a deployed bundle, the result the synth validated, built in (no schema, no
 * parse on a Lambda's import path). A wrong config therefore fails `cdk synth` and `npm test`, never a
 * cold start.
 */

export type { Settings };

export const settings: Settings = validatedSettings;

/** Every origin a browser may call the public API from (the HTTP API's CORS list). */
export const corsOrigins = (s: Settings = settings): string[] =>
  [...new Set([...s.app.allowedOrigins, ...s.forms.flatMap((f) => f.allowedOrigins)])].sort();

/**
 * The sender identity as templates and the footer see it (one source: `config/app.ts`). `contact`, where
 * complaints and questions reach the sender (特定電子メール法 wants it in every marketing mail), is the
 * reply-to address, else the from address.
 */
export const mailSender = (s: Settings = settings): MailSenderConfig & { contact: string } => ({
  fromName: s.app.sender.fromName,
  fromAddress: s.app.sender.fromAddress,
  ...(s.app.sender.replyTo ? { replyTo: s.app.sender.replyTo } : {}),
  name: s.app.sender.companyName,
  postalAddress: s.app.sender.postalAddress,
  contact: s.app.sender.replyTo ?? s.app.sender.fromAddress,
});

/** A sales owner's id by their work e-mail (any case), or undefined: who a signed-in person is in hand-offs. */
export const ownerIdByEmail = (email: string, s: Settings = settings): string | undefined => {
  const wanted = email.toLowerCase();
  return s.handoff.owners.find((o) => o.email.toLowerCase() === wanted)?.ownerId;
};

export const formById = (id: string, s: Settings = settings) => s.forms.find((f) => f.id === id);
export const templateById = (id: string, s: Settings = settings) => s.templates.find((t) => t.id === id);
export const sequenceById = (id: string, s: Settings = settings) => s.sequences.find((q) => q.id === id);
