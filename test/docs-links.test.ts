/**
 * The documentation's relative links resolve: every link in README.md, docs/*.md and the folder
 * pages (inference/, k8s/) names a file that exists, and every #anchor names a heading of its
 * page as GitHub spells it. Pages move and headings get renamed; a link that silently goes nowhere
 * is how a front door rots. Links inside code (fences, `spans`) and to other sites are not checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../platform/paths';
import { anchorsOf, slug } from './support/markdown';

const FOLDER_PAGES = ['README.md', 'inference/README.md', 'k8s/README.md'];
const PAGES = [...FOLDER_PAGES, ...fs.readdirSync(fromRoot('docs')).map((name) => `docs/${name}`)].filter((page) => page.endsWith('.md'));

/** The page's lines outside fenced code blocks, inline code spans blanked. */
function prose(markdown: string): string[] {
  let fenced = false;
  const lines: string[] = [];
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) lines.push(line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length)));
  }
  return lines;
}

/** Relative link targets of a page: `[text](target)`, without titles; other sites and mail left out. */
function linksOf(page: string): string[] {
  const targets: string[] = [];
  for (const line of prose(fs.readFileSync(fromRoot(page), 'utf8'))) {
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(match[1])) targets.push(match[1]);
    }
  }
  return targets;
}

describe('documentation links', () => {
  it('knows the pages it checks', () => {
    expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/operations.md', 'docs/configuration.md']));
  });

  it.each(PAGES)('%s: every relative link names a file that exists and a heading it has', (page) => {
    const broken: string[] = [];
    for (const target of linksOf(page)) {
      const [file, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURI(file)));
      if (resolved.startsWith('..') || !fs.existsSync(fromRoot(resolved))) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!resolved.endsWith('.md')) {
        broken.push(`${target}: an anchor into a file that is not markdown`);
      } else if (!anchorsOf(resolved).has(anchor)) {
        broken.push(`${target}: ${resolved} has no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('links every docs page from the README', () => {
    const linked = new Set(linksOf('README.md').map((target) => target.split('#')[0]));
    const unlinked = PAGES.filter((page) => page.startsWith('docs/') && !linked.has(page));
    expect(unlinked).toEqual([]);
  });

  it('spells anchors as GitHub does', () => {
    expect(slug('Events: nothing lost')).toBe('events-nothing-lost');
    expect(slug("The edge's own memory and its public paths")).toBe('the-edges-own-memory-and-its-public-paths');
    expect(slug('Supported Node.js versions')).toBe('supported-nodejs-versions');
    expect(slug('A/B between pipelines')).toBe('ab-between-pipelines');
    expect(slug('What `npm start` does')).toBe('what-npm-start-does');
    expect(slug('1. Build the image')).toBe('1-build-the-image');
  });
});
