/**
 * The Vault double as a process of its own (benchmarks run it apart from Tessera, as a real Vault
 * would be): prints `READY <url> <root token>` once listening and closes cleanly on SIGTERM or when
 * its stdin ends. `node --import tsx test/doubles/vault/process.ts`.
 */
import { startVaultDouble } from './index.js';

const double = await startVaultDouble();
process.stdout.write(`READY ${double.url} ${double.rootToken}\n`);
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  double.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', close);
process.stdin.on('end', close);
process.stdin.resume();
