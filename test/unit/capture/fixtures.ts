import type { z } from 'zod';
import { type FormConfig, formConfigSchema } from '#config/forms';

/** A small contact form in the shape marketing ops write, parsed through the real schema. */
export const contactFormInput: z.input<typeof formConfigSchema> = {
  id: 'contact',
  name: 'お問い合わせ',
  fields: [
    { name: 'lastName', type: 'text', label: '姓', required: true, maxLength: 10, attribute: 'lastName' },
    { name: 'firstName', type: 'text', label: '名', required: true, maxLength: 10, attribute: 'firstName' },
    { name: 'company', type: 'text', label: '会社名', required: true, attribute: 'company' },
    { name: 'email', type: 'email', label: 'メールアドレス', required: true, attribute: 'email' },
    { name: 'phone', type: 'tel', label: '電話番号', attribute: 'phone' },
    {
      name: 'employees',
      type: 'select',
      label: '従業員数',
      options: [{ value: '1-49', label: '1〜49名' }, '50-299'],
      attribute: 'employees',
    },
    { name: 'message', type: 'textarea', label: 'お問い合わせ内容', maxLength: 20, attribute: 'message' },
    { name: 'session', type: 'hidden' },
    { name: 'consent', type: 'checkbox', label: '個人情報の取り扱い' },
  ],
  allowedOrigins: ['https://www.example.co.jp', 'http://localhost:3000'],
  thankYouUrl: '/examples/thank-you.html',
  errorUrl: 'https://www.example.co.jp/contact/error',
  consent: { purpose: 'marketing_email', text: '同意します', version: 'v1' },
};

export function contactForm(overrides: Partial<z.input<typeof formConfigSchema>> = {}): FormConfig {
  return formConfigSchema.parse({ ...contactFormInput, ...overrides });
}

/** A valid submission as the landing page posts it (url-encoded values are strings). */
export function validRaw(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    lastName: '山田',
    firstName: '太郎',
    company: '株式会社サンプル',
    email: 'taro.yamada@example.co.jp',
    consent: 'on',
    ...overrides,
  };
}
