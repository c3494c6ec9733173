/**
 * MovieLens 100K as an interaction source: every rating in u.data is an interaction
 * (user, item, rating, unix time). The folder is passed in; the data is never copied into the repo.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Interaction, InteractionSource } from './interactions';
import { toolOptions } from '../platform/config/options/tools';
import { openReading, readFeature } from '../platform/config/read';

export class MovieLens100kSource implements InteractionSource {
  constructor(private readonly folder: string) {}

  async load(): Promise<Interaction[]> {
    const file = path.join(this.folder, 'u.data');
    const text = await fs.readFile(file, 'utf8').catch(() => {
      throw new Error(`MovieLens 100K not found: ${file} is missing (pass --ml100k <folder with u.data>)`);
    });
    const interactions: Interaction[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const [user, item, , time] = line.split('\t');
      // Ratings are all "interacted"; weight 1 keeps it the implicit-feedback protocol the baselines use.
      // u.data has seconds; the platform's times (and the ranker's time features) are milliseconds.
      interactions.push({ userId: `ml-user-${user}`, itemId: `ml-item-${item}`, timestamp: Number(time) * 1000, weight: 1 });
    }
    return interactions;
  }

  /** Genres from u.item as content tokens ("genre:<index>"); empty when u.item is absent. */
  async content(): Promise<Map<string, string[]>> {
    const text = await fs.readFile(path.join(this.folder, 'u.item'), 'latin1').catch(() => '');
    const content = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      const fields = line.split('|');
      if (fields.length < 6) continue;
      const genres = fields.slice(5).flatMap((flag, index) => (flag.trim() === '1' ? [`genre:${index}`] : []));
      content.set(`ml-item-${fields[0]}`, genres);
    }
    return content;
  }
}

/** Default location: $ML100K_DIR, else ../shared/data/ml-100k beside the repository checkout. */
export function defaultMl100kFolder(env: NodeJS.ProcessEnv = process.env): string {
  const { ML100K_DIR } = readFeature(openReading(env, [toolOptions], { strict: false }), toolOptions).values;
  return path.resolve(ML100K_DIR ?? path.join(process.cwd(), '..', 'shared', 'data', 'ml-100k'));
}
