// Imported first by servers/*/main.ts, before anything can start libuv's thread pool (it reads
// UV_THREADPOOL_SIZE once, when first used). The pool runs scrypt (password hashing), WebCrypto (pg's
// SCRAM login to Postgres), fs and dns alike. With the default 4 threads, a burst of logins kept
// every thread hashing and new database connections waited behind the hashes until the pool gave up:
// 503s under a login flood (issue 8). 8 threads, of which the hashing queue uses at most 3
// (config.ts HASH_CONCURRENCY), always leave room for the rest. A value set by the operator wins.
process.env.UV_THREADPOOL_SIZE ??= '8';
