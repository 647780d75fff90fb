#!/bin/sh
# The secrets of a Kubernetes overlay, made once into overlays/<overlay>/secrets/ (ignored by git),
# where the overlay's secretGenerator reads them: nothing secret is ever committed. The counterpart of
# compose's first start (deploy/first-start.sh). Idempotent: a file already there is kept, so running
# it again never changes a key or password under a running deployment (delete a file to renew it).
#
#   deploy/k8s/make-secrets.sh demo                  # Postgres in the cluster: a new password
#   DATABASE_URL=postgres://... deploy/k8s/make-secrets.sh external-db
#
# TLS_HOSTS (default "session.localhost jwt.localhost"): the names on the self-signed certificate;
# they must match the Ingress hosts. Needs only sh and openssl.
set -eu

overlay="${1:?usage: make-secrets.sh demo|external-db}"
dir="$(cd "$(dirname "$0")" && pwd)/overlays/$overlay/secrets"
[ -d "$dir" ] || { echo "make-secrets: no overlay with secrets named \"$overlay\" ($dir)" >&2; exit 2; }
umask 077

# write NAME: the rest of stdin into $dir/NAME unless it is already there (atomically).
keep() { [ -s "$dir/$1" ] && echo "make-secrets: $overlay/secrets/$1 kept"; }
write() { cat > "$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1" && echo "make-secrets: $overlay/secrets/$1 written"; }
random() { openssl rand -base64 "$1" | tr '+/' '-_' | tr -d '=\n'; } # base64url: safe in URLs

# JWT_KEYS format "kid:<base64url secret>": 32 random bytes = 256 bits, RFC 7518 3.2's minimum for HS256.
keep jwt-keys || printf 'k8s-%s:%s' "$(date -u +%Y%m%d)" "$(random 32)" | write jwt-keys

if ! keep tls.key || ! keep tls.crt; then
  san=""
  for host in ${TLS_HOSTS:-session.localhost jwt.localhost}; do san="${san:+$san,}DNS:$host"; done
  # P-256 ECDSA, 825 days (the longest browsers accept for a leaf certificate), like first-start.sh.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=sessions-vs-tokens" \
    -addext "subjectAltName=$san" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$dir/tls.key.tmp" -out "$dir/tls.crt.tmp" 2>/dev/null
  mv "$dir/tls.key.tmp" "$dir/tls.key"
  mv "$dir/tls.crt.tmp" "$dir/tls.crt"
  echo "make-secrets: $overlay/secrets/tls.crt and tls.key written for $san"
fi

case "$overlay" in
  demo)
    # 24 random bytes; the user and database names match postgres.yaml and the compose demo.
    keep postgres-password || random 24 | write postgres-password
    keep database-url || printf 'postgres://demo:%s@postgres:5432/demo' "$(cat "$dir/postgres-password")" | write database-url
    ;;
  *)
    if ! keep database-url; then
      [ -n "${DATABASE_URL:-}" ] || { echo "make-secrets: set DATABASE_URL to your Postgres (postgres://user:password@host:5432/db)" >&2; exit 2; }
      printf '%s' "$DATABASE_URL" | write database-url
    fi
    ;;
esac
