/** Log lines with tracing off: no trace fields, no error, and no line's fields in another's. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { traceLogOptions } from './log-fields';

it('leaves lines as they are while tracing is off', () => {
  const lines: string[] = [];
  const log = pino(
    { ...traceLogOptions, base: undefined },
    new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }),
  );
  log.error({ err: new Error('boom') }, 'first');
  log.info({ other: 1 }, 'second');
  log.info('third');
  const [first, second, third] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(first).toMatchObject({ err: expect.objectContaining({ message: 'boom' }), msg: 'first' });
  expect(second).toEqual({ level: 30, time: expect.any(Number), other: 1, msg: 'second' });
  expect(third).toEqual({ level: 30, time: expect.any(Number), msg: 'third' });
  expect(first.trace_id).toBeUndefined();
});
