/** Writes the Prometheus rules and Grafana dashboards from observability/ (npm run observability). */
import fs from 'node:fs';
import path from 'node:path';
import { generatedFiles } from '../observability/outputs';
import { fromRoot } from '../platform/paths';

for (const { path: file, text } of generatedFiles()) {
  fs.mkdirSync(path.dirname(fromRoot(file)), { recursive: true });
  fs.writeFileSync(fromRoot(file), text);
  console.log(`wrote ${file}`);
}
