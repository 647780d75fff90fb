// Input validation with zod: strict objects (unknown fields are an error on every write), the first
// problems listed by field, never the offending value (it may be a password).
import type * as z from 'zod';
import { apiError } from './errors';

export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const details = r.error.issues.slice(0, 10).map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
  throw apiError('validation_failed', undefined, undefined, details);
}
