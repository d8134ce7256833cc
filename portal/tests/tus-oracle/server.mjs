// The independent tus 1.0 server that the portal client is checked against: the protocol's
// reference implementation (@tus/server) storing uploads with @tus/file-store, which
// advertises creation and termination but no checksum extension.
//
//   node server.mjs --dir DIR [--port N] [--relative-location]
//
// Listens on 127.0.0.1 (port 0 = any free port), serves tus under /files, and prints
// `listening PORT` on stdout once it accepts connections. An upload's bytes end up in
// DIR/<id>, where <id> is the last segment of its upload URL.
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const directory = arg('--dir');
if (!directory) {
  console.error('usage: node server.mjs --dir DIR [--port N] [--relative-location]');
  process.exit(2);
}
const port = Number(arg('--port', '0'));

const server = new Server({
  path: '/files',
  datastore: new FileStore({ directory }),
  relativeLocation: process.argv.includes('--relative-location'),
});

const listener = server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${listener.address().port}`);
});

// The test harness stops the oracle with SIGTERM (and restarts it on the same port to
// simulate a server restart mid-upload).
process.on('SIGTERM', () => process.exit(0));
