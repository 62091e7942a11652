import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './harness/repo-root';

// Docs and comments point readers at files: a Markdown link, or a path such as
// docs/write-path.md or libs/storage/src/warm/warm-table.ts in prose. When a file moves or
// never existed, the pointer silently leads nowhere. This reads every text file git knows
// (tracked, or new and not ignored) and fails on each pointer to a missing file, or to a
// missing heading of a Markdown file.

const root = repoRoot();
const TEXT = /\.(md|ts|js|cjs|mjs|proto|ya?ml|sh|tpl|json)$/;
/** A repository path in prose: a top-level folder, then a file with an extension. */
const REPO_PATH = /(?<![\w./-])((?:apps|libs|tools|charts|docs)\/[\w./-]*\w\.(?:md|ts|js|cjs|mjs|proto|ya?ml|sh|json))\b/g;
/** An upper-case document name (README.md): beside the mentioning file or at the root. */
const UPPER_DOC = /(?<![\w./-])([A-Z][A-Z_-]*\.md)\b/g;
const MD_LINK = /\]\(([^)\s]+)\)/g;

function textFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  // A file deleted in the working tree but still in the index is gone for readers too.
  return listed.split('\n').filter((file) => TEXT.test(file) && existsSync(join(root, file)));
}

/** GitHub's anchors for a Markdown file's headings (fenced code skipped, repeats numbered). */
function anchors(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const repeats = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const repeat = repeats.get(slug) ?? 0;
    repeats.set(slug, repeat + 1);
    slugs.add(repeat === 0 ? slug : `${slug}-${repeat}`);
  }
  return slugs;
}

function danglingPointers(): string[] {
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (path: string) => {
    if (!anchorCache.has(path)) anchorCache.set(path, anchors(readFileSync(path, 'utf8')));
    return anchorCache.get(path)!;
  };
  const problems: string[] = [];
  for (const file of textFiles()) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, path] of text.matchAll(REPO_PATH)) {
      if (!existsSync(join(root, path))) problems.push(`${file}: ${path} does not exist`);
    }
    for (const [, name] of text.matchAll(UPPER_DOC)) {
      if (!existsSync(join(root, dirname(file), name)) && !existsSync(join(root, name))) problems.push(`${file}: ${name} does not exist`);
    }
    if (!file.endsWith('.md')) continue;
    for (const [, link] of text.matchAll(MD_LINK)) {
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // a URL
      const [path, anchor] = link.split('#', 2);
      const target = path === '' ? join(root, file) : resolve(root, dirname(file), path);
      if (!existsSync(target)) {
        problems.push(`${file}: link ${link}: ${relative(root, target)} does not exist`);
      } else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
        problems.push(`${file}: link ${link}: no heading of ${relative(root, target)} has the anchor #${anchor}`);
      }
    }
  }
  return problems;
}

describe('pointers to files in docs and comments', () => {
  it('GitHub anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered, code fences skipped', () => {
    const markdown = ['# Read limits', '### Series identity: `SERIES_KEY_TOO_LONG`', '## Planning (`planner.ts`)', '## Read limits', '```sh', '# not a heading', '```'].join('\n');
    expect([...anchors(markdown)].sort()).toEqual(['planning-plannerts', 'read-limits', 'read-limits-1', 'series-identity-series_key_too_long']);
  });

  it('every link and repository path names a file (and heading) that exists', () => {
    expect(danglingPointers()).toEqual([]);
  });
});
