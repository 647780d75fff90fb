#!/bin/sh
# What the demo needs but must never be committed, made once at first start and kept in volumes:
#  - the load balancer's self-signed TLS certificate and key, in $TLS_DIR;
#  - the JWT signing key shared by every jwt instance, in $JWT_KEY_DIR (optional: only compose sets it).
# Idempotent: anything already there is kept, so `docker compose up` after a restart reuses them
# (delete the volumes, `docker compose down -v`, to get new ones). Needs only sh and openssl.
set -eu

tls_dir="${TLS_DIR:?TLS_DIR must name the directory for cert.pem and key.pem}"
umask 077

if [ -s "$tls_dir/cert.pem" ] && [ -s "$tls_dir/key.pem" ]; then
  echo "first-start: TLS certificate already in $tls_dir"
else
  # P-256 ECDSA, valid 825 days (the longest browsers accept for a leaf certificate), for every
  # name the demo is reached by: the browser (localhost), curl (127.0.0.1, ::1), the bench (lb).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:lb" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$tls_dir/key.pem.tmp" -out "$tls_dir/cert.pem.tmp" 2>/dev/null
  chmod 600 "$tls_dir/key.pem.tmp"
  chmod 644 "$tls_dir/cert.pem.tmp"
  mv "$tls_dir/key.pem.tmp" "$tls_dir/key.pem"
  mv "$tls_dir/cert.pem.tmp" "$tls_dir/cert.pem"
  echo "first-start: new self-signed TLS certificate in $tls_dir (SHA-256 fingerprint below)"
  openssl x509 -in "$tls_dir/cert.pem" -noout -fingerprint -sha256
fi

if [ -n "${JWT_KEY_DIR:-}" ]; then
  if [ -s "$JWT_KEY_DIR/jwt-keys" ]; then
    echo "first-start: JWT key already in $JWT_KEY_DIR"
  else
    # JWT_KEYS format "kid:<base64url secret>": 32 random bytes = 256 bits, the RFC 7518 3.2 minimum for HS256.
    secret="$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
    printf 'demo-%s:%s' "$(date -u +%Y%m%d)" "$secret" > "$JWT_KEY_DIR/jwt-keys.tmp"
    chmod 600 "$JWT_KEY_DIR/jwt-keys.tmp"
    mv "$JWT_KEY_DIR/jwt-keys.tmp" "$JWT_KEY_DIR/jwt-keys"
    echo "first-start: new JWT signing key in $JWT_KEY_DIR"
  fi
fi
