// Request body schemas. Strings that reach Postgres must not contain NUL (Postgres rejects it in
// text): refusing it here turns a would-be 500 into a 400.
import { z } from 'zod';
import { MAX_QTY } from '../cart/cart-store';

const noNul = (s: string) => !s.includes('\u0000');

// Passwords: 8..1024 characters, every character counts (scrypt, no 72-byte bcrypt truncation);
// absurd lengths are refused before any hashing (NIST SP 800-63B-4 asks for >= 64 allowed).
const newPassword = z.string().min(8).max(1024).refine(noNul, 'must not contain NUL');
const anyPassword = z.string().min(1).max(1024).refine(noNul, 'must not contain NUL');

export const registerBody = z.strictObject({
  username: z
    .string()
    .min(3)
    .max(64)
    .regex(/^[A-Za-z0-9._@+-]+$/, 'letters, digits and . _ @ + - only'),
  password: newPassword,
});

// Login accepts any plausible username so that the format of a guess reveals nothing.
export const loginBody = z.strictObject({
  username: z.string().min(1).max(256).refine(noNul, 'must not contain NUL'),
  password: anyPassword,
});

export const passwordChangeBody = z.strictObject({ currentPassword: anyPassword, newPassword });

const sku = z.string().min(1).max(64).refine(noNul, 'must not contain NUL');

export const addItemBody = z.strictObject({ sku, qty: z.number().int().min(1).max(MAX_QTY) });

export const setItemBody = z.strictObject({ qty: z.number().int().min(0).max(MAX_QTY) });

export const idParam = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a user id');
