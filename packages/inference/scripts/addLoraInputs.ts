/**
 * Adds LoRA inputs to an exported ONNX decoder (see src/onnx/addLoraInputs.ts):
 *
 *   tsx packages/inference/scripts/addLoraInputs.ts <in.onnx> <out.onnx> [node-name-regex]
 *
 * Keep the output next to the export's external data file (if it has one): the weights are
 * still read from there.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { addLoraInputs, defaultLoraNodePattern } from '../src/onnx/addLoraInputs';

const [input, output, pattern] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: addLoraInputs.ts <in.onnx> <out.onnx> [node-name-regex]');
  process.exit(2);
}
const result = addLoraInputs(
  await readFile(input),
  pattern ? new RegExp(pattern) : defaultLoraNodePattern,
);
await writeFile(output, result.bytes);
for (const t of result.targets)
  console.log(`lora.${t.target}.A [${t.inDim}, r]  .B [r, ${t.outDim}]`);
for (const s of result.skipped) console.log(`skipped ${s.node}: ${s.reason}`);
console.log(`${result.targets.length} targets written to ${output}`);
