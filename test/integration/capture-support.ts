import type { Runtime } from '#local/runtime';

/** Helpers shared by the capture abuse and capture-mail limit integration tests. */

/** A decision-maker's form body (fit high), with any field overridden or added. */
export const person = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  lastName: '山田',
  firstName: '太郎',
  company: '株式会社テスト商事',
  title: '代表取締役社長',
  employees: '1000-4999',
  consent: true,
  ...extra,
});

/** The lead view (GET /v1/ops/leads?email=) as these tests read it. */
export interface LeadBody {
  leadId: string;
  attributes: Record<string, string>;
  grade: string;
  temperature: string;
  owner: unknown;
  score: { total: number };
  timeline: { type: string; points: number; properties?: Record<string, unknown> }[];
  proposedAttributes: { values: Record<string, string> } | null;
  consentHistory: {
    kind: string;
    purpose: string;
    formId?: string;
    textVersion?: string;
    ip?: string;
    userAgent?: string;
    at: string;
    method?: string;
  }[];
}

/** The lead with this address through the ops API: its status and body. */
export const leadByEmail = async (runtime: Runtime, email: string) => {
  const response = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  return { status: response.status, body: (await response.json()) as LeadBody };
};
