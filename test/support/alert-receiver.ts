import { createServer, type Server } from 'node:http';
import { verifyWebhook } from '../../src/webhooks/standard-webhooks.js';

/** A failed-revocation alert as received and verified. */
export interface ReceivedAlert {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/** An HTTP endpoint that verifies Standard Webhooks signatures on alerts and keeps what it received. */
export interface AlertReceiver {
  url: string;
  alerts: ReceivedAlert[];
  /** Deliveries whose signature did not verify. */
  rejected: number;
  /** Answer the next `n` deliveries with 503 (to exercise retries). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Start a receiver that checks signatures against `secret` (`whsec_…`). */
export async function startAlertReceiver(secret: string): Promise<AlertReceiver> {
  let failing = 0;
  const r: AlertReceiver = {
    url: '',
    alerts: [],
    rejected: 0,
    failNext: (n) => void (failing = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (failing > 0) {
        failing--;
        res.writeHead(503).end();
        return;
      }
      try {
        const { id } = verifyWebhook(
          { id: req.headers['webhook-id'] as string, timestamp: req.headers['webhook-timestamp'] as string, signature: req.headers['webhook-signature'] as string },
          raw,
          [secret],
          Date.now(),
          300,
        );
        const body = JSON.parse(raw.toString('utf8')) as Omit<ReceivedAlert, 'id'>;
        r.alerts.push({ id, ...body });
        res.writeHead(204).end();
      } catch {
        r.rejected++;
        res.writeHead(401).end();
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`;
  return r;
}
