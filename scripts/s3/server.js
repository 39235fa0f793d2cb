// Starts s3rver on 127.0.0.1 for CustomerTrack's tests and dev-servers.sh.
// Usage: node --openssl-legacy-provider server.js PORT DATA_DIR BUCKET
// (the legacy provider because s3rver's ListObjectsV2 continuation tokens use DES, which Node 20 disables.)
const S3rver = require('s3rver');
const [port, directory, bucket] = process.argv.slice(2);
new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
}).run((err, { address, port } = {}) => {
  if (err) {
    console.error(`s3rver: ${err.message}`);
    process.exit(1);
  }
  console.log(`s3rver listening on http://${address}:${port}, bucket ${bucket}`);
});
