import { describe, expect, it } from 'vitest';
import { sseParser } from '../src/sse';

function parse(pieces: string[]) {
  const out: string[] = [];
  const push = sseParser((d) => out.push(d));
  pieces.forEach(push);
  return out;
}

const frame = 'retry: 3000\n\nid: c1\nevent: ready\ndata: {"type":"ready","cursor":"c1"}\n\n: heartbeat\n\nid: c2\nevent: deleted\ndata: {"type":"deleted","cursor":"c2","id":"x"}\n\n';

describe('sseParser', () => {
  it('gives each event its data, skipping retry, comments and other fields', () => {
    expect(parse([frame])).toEqual(['{"type":"ready","cursor":"c1"}', '{"type":"deleted","cursor":"c2","id":"x"}']);
  });

  it('gives the same events however the text is split, one character at a time included', () => {
    const whole = parse([frame]);
    expect(parse(frame.split(''))).toEqual(whole);
    for (let cut = 1; cut < frame.length; cut += 7) expect(parse([frame.slice(0, cut), frame.slice(cut)])).toEqual(whole);
  });

  it('joins multi-line data with newlines and strips one leading space', () => {
    expect(parse(['data: a\ndata:b\ndata:  c\ndata\n\n'])).toEqual(['a\nb\n c\n']);
  });

  it('reads CRLF and CR line ends, also with a CRLF split between pieces', () => {
    expect(parse(['data: x\r\n\r\ndata: y\r\rdata: z\n\n'])).toEqual(['x', 'y', 'z']);
    expect(parse(['data: one\r', '\ndata: two\r', '\n\r', '\n'])).toEqual(['one\ntwo']);
  });

  it('dispatches only at a blank line, and nothing for comment-only or unterminated events', () => {
    expect(parse([': heartbeat\n\n', 'event: x\n\n', 'data: late'])).toEqual([]);
    const out: string[] = [];
    const push = sseParser((d) => out.push(d));
    push('data: a\n');
    expect(out).toEqual([]);
    push('\n');
    expect(out).toEqual(['a']);
  });
});
