// One error funnel, one code table. Routes throw `apiError(code)`; the funnel (error-funnel.ts)
// turns anything thrown into `{"error": {"code", "message"}}` with the status from this table.

export const ERROR_CODES = {
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request is not valid.' },
  bad_request: { status: 400, message: 'The request is malformed.' },
  unauthorized: { status: 401, message: 'A valid credential is required.' },
  invalid_credentials: { status: 401, message: 'Username or password is incorrect.' },
  invalid_refresh_token: { status: 401, message: 'The refresh token is missing, invalid, expired or revoked.' },
  forbidden_origin: { status: 403, message: 'Cross-site request refused.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  current_password_incorrect: { status: 403, message: 'The current password is incorrect.' },
  not_found: { status: 404, message: 'Not found.' },
  product_not_found: { status: 404, message: 'No product has this SKU.' },
  session_not_found: { status: 404, message: 'You have no session with this id.' },
  user_not_found: { status: 404, message: 'No user has this id.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  request_timeout: { status: 408, message: 'The request took too long.' },
  username_taken: { status: 409, message: 'This username is taken.' },
  cart_quantity_limit: { status: 409, message: 'A cart line holds at most 99 of a product.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send application/json.' },
  too_many_requests: { status: 429, message: 'Too many attempts. Try again later.' },
  request_header_fields_too_large: { status: 431, message: 'Request headers are too large.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  database_unavailable: { status: 503, message: 'The database is unavailable. Try again shortly.' },
  server_busy: { status: 503, message: 'The server is busy. Try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
    /** Field-level details for validation errors (never echo secrets here). */
    readonly details?: unknown,
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.status = ERROR_CODES[code].status;
  }
}

export function apiError(code: ErrorCode, message?: string, headers?: Record<string, string>, details?: unknown): ApiError {
  return new ApiError(code, message, headers, details);
}
