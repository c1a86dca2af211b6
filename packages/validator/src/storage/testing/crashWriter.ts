/**
 * A validator stand-in for the crash test: opens the storage named by the JSON config in argv[2],
 * writes a score and a pending commit, says `written`, and waits to be killed.
 */
import { openStorage } from '../openStorage';
import { storageConfigSchema } from '../storageConfig';

const storage = await openStorage(storageConfigSchema.parse(JSON.parse(process.argv[2] ?? '')));
await storage.miners.sync({ uid: 3, hotkey: '5CrashHotkey' }, 1);
await storage.scores.setMoving({
  uid: 3,
  taskKind: 'chat',
  hotkey: '5CrashHotkey',
  score: 0.75,
  samples: 2,
  updatedMs: 5,
});
await storage.weights.recordCommit({
  netuid: 1,
  uids: [3],
  weights: [65_535],
  versionKey: 1,
  commitHash: '0x01',
  salt: [1, 2],
  revealAfterBlock: 10,
  nowMs: 6,
});
process.stdout.write('written\n');
setInterval(() => {}, 60_000);
