// Starts the reference Bluesky PDS (with an in-memory PLC, no AppView) for tests,
// bound to 127.0.0.1, creates one account and prints its details as one JSON line.
// Runs until stdin closes or it gets SIGTERM. Started by tests/conftest_pds.py.
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

// Every server the dev-env starts listens on a bare port (all interfaces); make
// each of them listen on the loopback address only.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && !args[0].host && !args[0].path) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

// The dev-env lives in the user's cache folder (installed by scripts/install-pds.sh).
const devEnv = path.join(process.env.PDS_DEVENV_DIR, 'node_modules/@atproto/dev-env/dist/index.js')
const { TestNetworkNoAppView } = await import(pathToFileURL(devEnv).href)
const network = await TestNetworkNoAppView.create({})
const agent = network.pds.getAgent()
const handle = process.env.PDS_HANDLE || 'library.test'
const password = process.env.PDS_PASSWORD || 'library-test-password'
const res = await agent.createAccount({ email: 'library@example.test', handle, password })
const port = network.pds.port
process.stdout.write(JSON.stringify({
  url: `http://127.0.0.1:${port}`, did: res.data.did, handle, password,
}) + '\n')

const stop = async () => { await network.close(); process.exit(0) }
process.on('SIGTERM', stop)
process.stdin.on('end', stop)
process.stdin.resume()
