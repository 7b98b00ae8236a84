import assert from "node:assert/strict";
import { connect } from "../../../lib/http/connection.ts";
import { ConnectionPool } from "../../../lib/http/connection_pool.ts";
import { startRawServer } from "./raw_server.ts";

Deno.test("ConnectionPool.take() hands out the newest idle connection and drops those idle too long", async () => {
  const server = startRawServer(() => "keep");
  const port = Number(new URL(server.origin).port);
  let nowMs = 1_000;
  const pool = new ConnectionPool({ idleTimeoutMs: 4_000, now: () => nowMs });
  try {
    const older = await connect({ hostname: "127.0.0.1", port, tls: false });
    const newer = await connect({ hostname: "127.0.0.1", port, tls: false });
    pool.give(server.origin, older);
    nowMs += 1_000;
    pool.give(server.origin, newer);
    assert.equal(pool.size, 2);
    assert.equal(pool.take(server.origin), newer);
    assert.equal(newer.reused, true);
    nowMs += 3_500; // `older` has now been idle for 4.5 s
    assert.equal(pool.take(server.origin), undefined);
    assert.equal(older.closed, true);
    assert.equal(pool.size, 0);
    newer.close();
  } finally {
    pool.close();
    await server.close();
  }
});

Deno.test("ConnectionPool.give() closes connections beyond the idle limit per origin", async () => {
  const server = startRawServer(() => "keep");
  const port = Number(new URL(server.origin).port);
  const pool = new ConnectionPool({ maxIdlePerOrigin: 1 });
  try {
    const first = await connect({ hostname: "127.0.0.1", port, tls: false });
    const second = await connect({ hostname: "127.0.0.1", port, tls: false });
    pool.give(server.origin, first);
    pool.give(server.origin, second);
    assert.equal(pool.size, 1);
    assert.equal(second.closed, true);
  } finally {
    pool.close();
    await server.close();
  }
});
