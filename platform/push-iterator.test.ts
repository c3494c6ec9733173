import { pushIterator } from './push-iterator';

describe('push iterator', () => {
  it('yields pushed values in order, waiting when empty, and ends after the queue drains', async () => {
    const it = pushIterator<number>();
    it.push(1);
    const waiting = it.next();
    expect(await waiting).toEqual({ value: 1, done: false });
    const later = it.next();
    it.push(2);
    expect(await later).toEqual({ value: 2, done: false });
    it.push(3);
    it.end();
    expect(await it.next()).toEqual({ value: 3, done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('drops the oldest values past its bound and calls onClose once when the consumer stops', async () => {
    const onClose = jest.fn();
    const it = pushIterator<number>(onClose, 2);
    [1, 2, 3].forEach((n) => it.push(n));
    expect(await it.next()).toEqual({ value: 2, done: false });
    await it.return!();
    await it.return!();
    expect(onClose).toHaveBeenCalledTimes(1);
    it.push(4);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
