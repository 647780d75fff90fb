// An unhandled rejection in a test file fails the run instead of passing silently.
process.on('unhandledRejection', (err) => {
  throw err;
});
