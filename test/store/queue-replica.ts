// A queue replica in a process of its own, for the test that kills one with SIGKILL mid-run. It prints
// "started <key> <item>" when a run begins and never finishes it.
import { SharedQueue } from "../../src/store/job-queue.js";
import { Store } from "../../src/store/store.js";

const [connectionString, schema] = process.argv.slice(2) as [string, string];
const store = await Store.open({ databaseUrl: connectionString, schema });
await SharedQueue.start<string>({
  connectionString,
  schema,
  sql: store.sql,
  concurrency: 1,
  maxQueued: 100,
  pollingSeconds: 0.5,
  leaseSeconds: 3,
  maintenanceSeconds: 1,
  worker: async (item, key) => {
    process.stdout.write(`started ${key} ${item}\n`);
    await new Promise(() => {});
  },
});
process.stdout.write("ready\n");
