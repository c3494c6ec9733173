import { servedConfig, toPbtxt, type ModelConfig } from './model-config';

const config: ModelConfig = {
  name: 'recommender',
  platform: 'onnxruntime_onnx',
  max_batch_size: 8,
  input: [
    { name: 'user_index', data_type: 'TYPE_INT64', dims: [1] },
    { name: 'exclude', data_type: 'TYPE_INT64', dims: [-1], pad_value: -1 },
  ],
  output: [{ name: 'item_index', data_type: 'TYPE_INT64', dims: [3] }],
  traffic_split: { '1': 90, '2': 10 },
};

/** Protobuf text-format string unescaping (\\", \\\\, octal bytes): what Triton's parser does. */
function unescapePbtxt(body: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      bytes.push(body.charCodeAt(i));
    } else if (/[0-7]/.test(body[i + 1])) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(body.charCodeAt(++i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('model config as servers answer it', () => {
  it('moves our extensions into ModelConfig parameters and adds each version’s id maps', () => {
    const served = servedConfig(config, { 2: { items: ['a', 'b'] } });
    expect(served).not.toHaveProperty('traffic_split');
    expect((served.input as object[])[1]).toEqual({ name: 'exclude', data_type: 'TYPE_INT64', dims: [-1] });
    expect(served.parameters).toEqual({
      traffic_split: { string_value: '{"1":90,"2":10}' },
      'pad_value.exclude': { string_value: '-1' },
      'ids.2': { string_value: '{"items":["a","b"]}' },
    });
  });

  it('writes the same parameters into config.pbtxt, escaped so any id survives the text format', () => {
    const ids = { items: ['plain', 'quo"te', 'back\\slash', 'ünïcødé ✓', 'new\nline'] };
    const pbtxt = toPbtxt(config, { 7: ids });
    const entry = /parameters \{\n {2}key: "ids\.7"\n {2}value: \{ string_value: "((?:[^"\\]|\\.)*)" \}\n\}/.exec(pbtxt);
    expect(entry).not.toBeNull();
    expect(entry![1]).toMatch(/^[\x20-\x7e]*$/); // ASCII only
    expect(JSON.parse(unescapePbtxt(entry![1]))).toEqual(ids);
    expect(pbtxt).toContain('parameters {\n  key: "traffic_split"');
  });
});
