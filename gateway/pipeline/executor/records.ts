/**
 * Records the executor builds (the merged answer's root, representations, the shaped response):
 * objects that inherit nothing, as Apollo's Object.create(null) ones do, so a field named like an
 * Object.prototype member ("constructor", "toString") reads as absent until set. Made by a
 * constructor whose prototype is itself empty and prototype-less, unlike Object.create(null),
 * whose objects V8 keeps as hash tables ("dictionary mode"): these stay fast objects with hidden
 * classes, cheaper to fill, to collect and for JSON.stringify to write.
 */
export type PlainRecord = Record<string, unknown>;

const EmptyRecord = function EmptyRecord() {} as unknown as new () => PlainRecord;
EmptyRecord.prototype = Object.create(null) as object;

export const emptyRecord = (): PlainRecord => new EmptyRecord();
