/**
 * `npm run eval -- --ml100k <folder> [--factors n --epochs n --reg x --alpha x --seed n --lambda x]`
 * Prints one JSON object {"itemPop":{…},"itemKNN":{…},"ease":{…},"model":{…}} and a small table.
 */
import { rootLogger } from '../../platform/logger';
import { parseArgs } from 'node:util';
import { numberOption } from '../../platform/cli';
import { ALS_FLAGS, alsOptions } from '../cli-args';
import { MovieLens100kSource, defaultMl100kFolder } from '../training/movielens';
import { formatTable, runEvaluation } from './evaluate';

async function main(): Promise<void> {
  // stdout carries the result only; logs below warn would interleave with it.
  if (!process.env.LOG_LEVEL) rootLogger.level = 'warn';
  const { values } = parseArgs({ options: { ...ALS_FLAGS, ml100k: { type: 'string' }, lambda: { type: 'string' } } });
  const folder = values.ml100k ?? defaultMl100kFolder();
  const interactions = await new MovieLens100kSource(folder).load();
  const als = alsOptions(values);
  const { report, details } = await runEvaluation(interactions, {
    als,
    easeLambda: numberOption(values.lambda, 'lambda'),
    progress: Boolean(process.stderr.isTTY),
  });
  process.stdout.write(`${JSON.stringify(report)}\n\n${formatTable(report)}\n`);
  process.stderr.write(
    `users ${details.users}, items ${details.items}, train interactions ${details.trainInteractions}; seconds ${JSON.stringify(details.seconds)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`eval failed: ${(error as Error).message}\n`);
  process.exit(1);
});
