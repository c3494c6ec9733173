/** Reads one series, summed over the label sets that match `labels`, from a server's own /metrics. */
export async function metricValue(serverUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(new URL('/metrics', serverUrl))).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
