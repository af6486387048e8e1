import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServer } from '../../src/http/app-server.js';
import { closeNow, listenOnLoopback } from '../support/loopback.js';

describe('createAppServer', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await closeNow(server);
    server = undefined;
  });

  it("creates requests and responses with Express's prototypes before Express sees them", async () => {
    const app = express();
    app.use(express.json());
    app.post('/echo', (req, res) => {
      res.status(201).json({ got: req.body, path: req.path, inherits: req instanceof IncomingMessage && res instanceof ServerResponse });
    });
    server = createAppServer(app);
    const seen: Array<[unknown, unknown]> = [];
    // Runs before Express's own listener, i.e. before Express would set any prototype itself.
    server.prependListener('request', (req, res) => seen.push([Object.getPrototypeOf(req), Object.getPrototypeOf(res)]));
    const port = await listenOnLoopback(server);
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/echo?x=${i}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) });
      expect(r.status).toBe(201);
      expect(await r.json()).toEqual({ got: { n: i }, path: '/echo', inherits: true });
    }
    expect(seen).toHaveLength(2);
    for (const [req, res] of seen) {
      expect(req).toBe(app.request);
      expect(res).toBe(app.response);
    }
  });
});
