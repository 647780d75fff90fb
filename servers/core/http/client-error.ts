// What Node's HTTP parser refuses before Koa sees a request (server 'clientError'): an unknown method
// token, a malformed request line, headers over maxHeaderSize, a request that took too long. Node's
// default writes a bare `400 Bad Request`; this writes the API's JSON error with the same security
// headers as every other response, and closes the connection (the stream is unusable).
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from './errors';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function codeFor(err: { code?: string }): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'request_header_fields_too_large';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  return 'bad_request';
}

export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // Node's own rule: answer only while nothing was written on this connection yet.
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const code = codeFor(err);
  const { status, message } = ERROR_CODES[code];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" +
      'X-Content-Type-Options: nosniff\r\n' +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
