// The thread that owns the PostgreSQL connections (store/postgres.ts). The kernel is synchronous:
// its thread posts one statement and blocks (synckit: Atomics.wait on a SharedArrayBuffer) until
// this thread, which may await, answers. Plain JavaScript so it starts the same from src/ (tsx)
// and from the CLI bundle. Errors are answered as values: a thrown error loses its SQLSTATE code
// on the way across threads.
import pg from 'pg';
import { runAsWorker } from 'synckit';

/** int8 (COUNT, BIGINT columns) and numeric (SUM, AVG) as numbers, as SQLite returns them; never a rounded one. */
function safeNumber(text) {
  const n = Number(text);
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) throw new Error(`the integer ${text} is outside what JavaScript holds exactly (±2^53)`);
  return n;
}
const types = {
  getTypeParser(oid, format) {
    if (oid === 20 || oid === 1700) return safeNumber;
    if (oid === 16) return (text) => (text === 't' ? 1 : 0); // booleans as SQLite's 1/0
    return pg.types.getTypeParser(oid, format);
  },
};

const clients = new Map();
let next_id = 1;

async function handle(op) {
  if (op.kind === 'connect') {
    const client = new pg.Client({
      connectionString: op.url,
      application_name: op.application_name,
      connectionTimeoutMillis: op.connect_timeout_ms,
      statement_timeout: op.statement_timeout_ms,
      // The client gives up a little after the server would have: a dead server never blocks the kernel forever.
      query_timeout: op.statement_timeout_ms + op.connect_timeout_ms,
      types,
    });
    const id = next_id++;
    // A connection lost between statements: the next statement fails with this.
    client.on('error', (err) => clients.set(id, { lost: err }));
    await client.connect();
    clients.set(id, client);
    return { id };
  }
  const client = clients.get(op.id);
  if (client === undefined) throw Object.assign(new Error('the PostgreSQL connection is closed'), { code: 'AGORA_CLOSED' });
  if (client.lost !== undefined) throw Object.assign(new Error(`the PostgreSQL connection was lost: ${client.lost.message}`), { code: 'AGORA_LOST' });
  if (op.kind === 'close') {
    clients.delete(op.id);
    await client.end();
    return {};
  }
  if (op.kind === 'script') {
    await client.query(op.text);
    return {};
  }
  const result = await client.query({ name: op.name, text: op.text, values: op.values, rowMode: op.raw ? 'array' : undefined });
  return { rows: result.rows, fields: result.fields.map((f) => f.name), count: result.rowCount ?? 0 };
}

runAsWorker(async (op) => {
  try {
    return { ok: true, value: await handle(op) };
  } catch (err) {
    return { ok: false, message: err.message, code: err.code ?? null, detail: err.detail ?? null };
  }
});
