import { EnvReader, runMain } from '@strata/runtime';
import { createDynamoDb, DynamoWarmStore } from '@strata/storage/warm';
import { redriveQuarantined } from './quarantine';

// The operator's door to the warm tier's quarantine (docs/operations.md, "Quarantined
// windows"). Same DynamoDB settings as the writer:
//   npx tsx apps/writer/src/quarantine-cli.ts list
//   npx tsx apps/writer/src/quarantine-cli.ts redrive [--tenant <tenant>]
// `list` prints one JSON line per quarantined window; `redrive` moves each back to its own
// partition (after the cause is fixed) and prints what it did.
const USAGE = 'usage: quarantine-cli (list | redrive [--tenant <tenant>])';

runMain(async () => {
  const [command, ...args] = process.argv.slice(2);
  const reader = new EnvReader(process.env);
  const endpoint = reader.url('STRATA_DYNAMODB_ENDPOINT');
  const region = reader.string('AWS_REGION', 'us-east-1');
  const tableName = reader.string('STRATA_DYNAMODB_TABLE', 'strata_chunks');
  if (command !== 'list' && command !== 'redrive') reader.problem(USAGE);
  const tenantAt = args.indexOf('--tenant');
  const tenant = tenantAt >= 0 ? args[tenantAt + 1] : undefined;
  if (tenantAt >= 0 && !tenant) reader.problem(`--tenant needs a value; ${USAGE}`);
  reader.finish();
  const client = createDynamoDb({ endpoint, region });
  const warm = new DynamoWarmStore(client, { tableName });
  try {
    const entries = (await warm.quarantinedWindows()).filter((e) => tenant === undefined || e.tenant === tenant);
    for (const entry of entries) {
      const line = { tenant: entry.tenant, seriesKey: entry.seriesKey, start: new Date(entry.start).toISOString(), startMs: entry.start, quarantinedAt: new Date(entry.at).toISOString(), error: entry.error };
      if (command === 'list') {
        process.stdout.write(`${JSON.stringify(line)}\n`);
        continue;
      }
      const outcome = await redriveQuarantined(warm, entry).catch((error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`);
      process.stdout.write(`${JSON.stringify({ ...line, outcome })}\n`);
    }
    if (command === 'list') process.stderr.write(`${entries.length} quarantined window(s)\n`);
  } finally {
    client.destroy();
  }
});
