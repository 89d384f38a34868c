import { describe, expect, it } from 'vitest';
import { JsonLineSplitter, parseDockerEvent, sinceParam } from './events.js';

const START =
  '{"status":"start","id":"abc","from":"img","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"agentpod.pod-id":"p1","name":"aptest-x"}},"scope":"local","time":1764300000,"timeNano":1764300000123456789}';
const DIE =
  '{"Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"0"}},"time":1764300001,"timeNano":1764300001000000001}';

describe('JsonLineSplitter', () => {
  it('yields whole lines from several events in one chunk', () => {
    expect(new JsonLineSplitter().push(Buffer.from(`${START}\n${DIE}\n`))).toEqual([START, DIE]);
  });

  it('holds a JSON object split across chunks until its newline arrives', () => {
    const splitter = new JsonLineSplitter();
    const all = Buffer.from(`${START}\n${DIE}\n`);
    const cut = START.length - 10;
    expect(splitter.push(all.subarray(0, cut))).toEqual([]);
    expect(splitter.push(all.subarray(cut, START.length + 5))).toEqual([START]);
    expect(splitter.push(all.subarray(START.length + 5))).toEqual([DIE]);
  });

  it('skips blank lines and CRLF endings', () => {
    expect(new JsonLineSplitter().push(`\n${DIE}\r\n\n`)).toEqual([DIE]);
  });

  it('keeps a multi-byte character split across chunks', () => {
    const line = Buffer.from('{"Action":"ré"}\n');
    const at = line.indexOf(0xc3) + 1;
    const splitter = new JsonLineSplitter();
    expect(splitter.push(line.subarray(0, at))).toEqual([]);
    expect(splitter.push(line.subarray(at))).toEqual(['{"Action":"ré"}']);
  });
});

describe('parseDockerEvent', () => {
  it('reads type, action, actor and the exact nanosecond time', () => {
    expect(parseDockerEvent(START)).toEqual({
      type: 'container',
      action: 'start',
      id: 'abc',
      attributes: { 'agentpod.pod-id': 'p1', name: 'aptest-x' },
      time: 1764300000,
      timeNano: 1764300000123456789n,
    });
  });

  it('rejects lines that are not event objects', () => {
    expect(() => parseDockerEvent('null')).toThrow(/not a Docker event/);
    expect(() => parseDockerEvent('{"Type":')).toThrow(SyntaxError);
  });
});

describe('sinceParam', () => {
  it('formats seconds and zero-padded nanoseconds', () => {
    expect(sinceParam(1764300000123456789n)).toBe('1764300000.123456789');
    expect(sinceParam(1764300001000000001n)).toBe('1764300001.000000001');
  });
});
