import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { buildArchive } from './files.js';

async function entries(archive: Buffer) {
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  const out: { name: string; type: string; mode: number; uid: number; content: string }[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type ?? '',
      mode: h.mode ?? -1,
      uid: h.uid ?? -1,
      content: Buffer.concat(chunks).toString(),
    });
  }
  return out;
}

describe('buildArchive', () => {
  it('adds parent directories once, owned like the files, before the files', async () => {
    const archive = await buildArchive([
      { path: '.openclaw/openclaw.json', content: '{}', mode: 0o600, uid: 1000, gid: 1000 },
      { path: '.openclaw/agents/main.md', content: Buffer.from('# hi'), mode: 0o644, uid: 1000 },
      { path: 'top.txt', content: 'x', mode: 0o640 },
    ]);
    expect(await entries(archive)).toEqual([
      { name: '.openclaw/', type: 'directory', mode: 0o755, uid: 1000, content: '' },
      { name: '.openclaw/openclaw.json', type: 'file', mode: 0o600, uid: 1000, content: '{}' },
      { name: '.openclaw/agents/', type: 'directory', mode: 0o755, uid: 1000, content: '' },
      { name: '.openclaw/agents/main.md', type: 'file', mode: 0o644, uid: 1000, content: '# hi' },
      { name: 'top.txt', type: 'file', mode: 0o640, uid: 0, content: 'x' },
    ]);
  });

  it('can own the top directory itself', async () => {
    const archive = await buildArchive([{ path: 'a.txt', content: 'a', mode: 0o644 }], {
      rootName: 'data',
      root: { mode: 0o750, uid: 1000, gid: 1000 },
    });
    const got = await entries(archive);
    expect(got.map((e) => [e.name, e.type, e.mode, e.uid])).toEqual([
      ['data/', 'directory', 0o750, 1000],
      ['data/a.txt', 'file', 0o644, 0],
    ]);
  });

  it.each(['/etc/passwd', '../escape', 'a/../../b', '.'])('refuses %j', async (path) => {
    await expect(buildArchive([{ path, content: '', mode: 0o644 }])).rejects.toThrow(/inside/);
  });
});
