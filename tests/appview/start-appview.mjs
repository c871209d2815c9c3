// Starts the reference Bluesky network of @atproto/dev-env WITH its AppView
// (TestNetwork: PLC, PDS, AppView, bsync, Ozone) bound to 127.0.0.1, the AppView
// on the Postgres named by DB_POSTGRES_URL (its own schema per run), creates the
// library's account and prints the addresses as one JSON line.
// Then reads commands on stdin, one per line, and answers each with one line:
//   process   -> waits until the AppView has indexed everything the PDS sequenced
// Runs until stdin closes or it gets SIGTERM. Started by tests/bsky_appview.py.
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
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

const devEnv = path.join(process.env.PDS_DEVENV_DIR, 'node_modules/@atproto/dev-env/dist/index.js')
const { TestNetwork } = await import(pathToFileURL(devEnv).href)
// TestNetwork asserts REDIS_HOST is set, but this dev-env version's AppView
// never connects to Redis (no cache configured); any value satisfies the check.
process.env.REDIS_HOST = process.env.REDIS_HOST || '127.0.0.1:1'
const network = await TestNetwork.create({
  dbPostgresUrl: process.env.DB_POSTGRES_URL,
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA,
})
const agent = network.pds.getAgent()
const handle = process.env.PDS_HANDLE || 'library.test'
const password = process.env.PDS_PASSWORD || 'library-test-password'
const res = await agent.createAccount({ email: 'library@example.test', handle, password })
await network.processAll()
process.stdout.write(JSON.stringify({
  url: `http://127.0.0.1:${network.pds.port}`,
  appview: `http://127.0.0.1:${network.bsky.port}`,
  did: res.data.did, handle, password,
}) + '\n')

const stop = async () => {
  try { await network.close() } finally { process.exit(0) }
}
process.on('SIGTERM', stop)
const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  const cmd = line.trim()
  try {
    if (cmd === 'process') {
      await network.processAll()
      process.stdout.write('ok\n')
    } else {
      process.stdout.write(`error unknown command ${cmd}\n`)
    }
  } catch (err) {
    process.stdout.write(`error ${String(err).replace(/\n/g, ' ')}\n`)
  }
})
rl.on('close', stop)
