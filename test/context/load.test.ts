import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextError } from '../../src/context/errors.ts';
import { loadContext } from '../../src/context/load.ts';

const context = (expression: string) =>
  `context:\n  expressions:\n    greet:\n      - "${expression} $who:who"\n  slots:\n    who: ["Ada", "Bob"]\n`;

describe('loadContext', () => {
  let dir = '';
  let projectRoot = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vx-context-'));
    projectRoot = join(dir, 'project');
    await mkdir(join(projectRoot, 'models', 'contexts'), { recursive: true });
    await mkdir(join(dir, 'shared', 'contexts'), { recursive: true });
    const write = (path: string, text: string) => writeFile(join(dir, path), text);
    await write('project/models/contexts/ours.yaml', context('hello'));
    await write('project/models/contexts/both.yaml', context('ours'));
    await write('shared/contexts/both.yaml', context('theirs'));
    await write('shared/contexts/theirs.yaml', context('hi'));
    await write('project/models/contexts/theirs.replies.yaml', 'replies:\n  greet: "Hi {who}."\n');
    await write('project/models/contexts/withreply.yaml', `${context('hey')}  replies:\n    greet: "Hey."\n`);
    await write(
      'project/models/contexts/withreply.replies.yaml',
      '# sidecar\nreplies:\n  greet: "Hey {who}!"\n',
    );
    await write('project/models/contexts/badreply.yaml', context('yo'));
    await write('project/models/contexts/badreply.replies.yaml', 'replies:\n  greet: "Yo {what}."\n');
    await write('project/models/contexts/badkey.yaml', context('yo'));
    await write('project/models/contexts/badkey.replies.yaml', 'context:\n  replies: {}\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves a bare name in models/contexts first', async () => {
    const spec = await loadContext('both', { projectRoot });
    expect(spec.expressions[0]?.text).toBe('ours $who:who');
    expect(spec.source).toBe(join(projectRoot, 'models', 'contexts', 'both.yaml'));
    expect((await loadContext('ours', { projectRoot })).intents).toEqual(['greet']);
  });

  it('looks in the given folders first, then models/contexts, and never in ../shared', async () => {
    const dirs = [join(dir, 'shared', 'contexts')];
    expect((await loadContext('theirs', { projectRoot, dirs })).source).toBe(
      join(dir, 'shared', 'contexts', 'theirs.yaml'),
    );
    expect((await loadContext('both', { projectRoot, dirs })).expressions[0]?.text).toBe('theirs $who:who');
    expect((await loadContext('ours', { projectRoot, dirs })).intents).toEqual(['greet']);
    // projectRoot/../shared/contexts/theirs.yaml exists, but only a folder given is looked in.
    await expect(loadContext('theirs', { projectRoot })).rejects.toMatchObject({
      code: 'VX_UNKNOWN_CONTEXT',
    });
  });

  it('loads a path, absolute or relative to the working directory', async () => {
    const file = join(dir, 'shared', 'contexts', 'both.yaml');
    expect((await loadContext(file)).expressions[0]?.text).toBe('theirs $who:who');
    expect((await loadContext(relative(process.cwd(), file))).expressions[0]?.text).toBe('theirs $who:who');
  });

  it('fails with VX_UNKNOWN_CONTEXT when nothing is found', async () => {
    const error = await loadContext('missing', { projectRoot }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextError);
    expect(error).toMatchObject({ code: 'VX_UNKNOWN_CONTEXT', source: 'missing', line: undefined });
    expect((error as Error).message).toContain(join('models', 'contexts', 'missing.yaml'));
    await expect(loadContext(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'VX_UNKNOWN_CONTEXT' });
  });

  it('merges a sidecar next to the context over its own replies', async () => {
    expect((await loadContext('withreply', { projectRoot })).replies.get('greet')).toBe('Hey {who}!');
    expect((await loadContext('withreply', { projectRoot, sidecar: false })).replies.get('greet')).toBe(
      'Hey.',
    );
  });

  it("merges our models/contexts sidecar into a user's context's replies", async () => {
    const dirs = [join(dir, 'shared', 'contexts')];
    expect((await loadContext('theirs', { projectRoot, dirs })).replies.get('greet')).toBe('Hi {who}.');
    // Loaded by path, only the file's own directory is searched.
    const byPath = await loadContext(join(dir, 'shared', 'contexts', 'theirs.yaml'));
    expect(byPath.replies.size).toBe(0);
  });

  it('checks a sidecar against the context, with its own source and line', async () => {
    const error = await loadContext('badreply', { projectRoot }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VX_BAD_CONTEXT',
      source: join(projectRoot, 'models', 'contexts', 'badreply.replies.yaml'),
      line: 2,
    });
    expect((error as Error).message).toContain('{what}');
    await expect(loadContext('badkey', { projectRoot })).rejects.toThrow("unknown key 'context'");
  });

  it('honours an aborted signal', async () => {
    await expect(loadContext('ours', { projectRoot, signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
