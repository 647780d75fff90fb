// Request body schemas. Every string must be well-formed UTF-16 (a lone surrogate would reach
// Postgres and scrypt as U+FFFD, so two different inputs would collapse into one: refused instead,
// issue 8) and free of NUL (Postgres rejects it in text): 400 here instead of a 500 or a collision.
import * as z from 'zod';
import { MAX_QTY } from '../cart/cart-store';
import { passwordProblem } from '../users/password-policy';
import { USERNAME_PATTERN, USERNAME_RULE } from '../users/username';

// In a `u` regex a surrogate pair is one code point: \p{Cs} matches only a lone half.
const LONE_SURROGATE = /\p{Cs}/u;

const text = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogates)')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL');

// Passwords: 8..1024 characters, every character counts (scrypt, no 72-byte bcrypt truncation);
// absurd lengths are refused before any hashing (NIST SP 800-63B-4 asks for >= 64 allowed).
const newPassword = text(8, 1024);
const anyPassword = text(1, 1024);

export const registerBody = z
  .strictObject({
    username: z.string().regex(USERNAME_PATTERN, USERNAME_RULE),
    password: newPassword,
  })
  .superRefine(({ username, password }, ctx) => {
    const problem = passwordProblem(password, username);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
  });

// Login accepts any plausible username so that the format of a guess reveals nothing.
export const loginBody = z.strictObject({ username: text(1, 256), password: anyPassword });

export const passwordChangeBody = z.strictObject({ currentPassword: anyPassword, newPassword });

const sku = text(1, 64);

export const addItemBody = z.strictObject({ sku, qty: z.number().int().min(1).max(MAX_QTY) });

export const setItemBody = z.strictObject({ qty: z.number().int().min(0).max(MAX_QTY) });

export const idParam = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a user id');
