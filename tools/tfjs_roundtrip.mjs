// TensorFlow.js side of tests/test_tfjs_roundtrip.py (runs in Node with @tensorflow/tfjs, no tfjs-node).
//   node tools/tfjs_roundtrip.mjs predict <modelDir> <input.json> <output.json>
//       load a layers model written by webgrad and write its predictions for the input
//   node tools/tfjs_roundtrip.mjs make <kind> <outDir> <input.json>
//       build a model in tfjs (kind: mlp | cnn | functional), save it to outDir as model.json +
//       group1-shard1of1.bin, and write its predictions for the input to outDir/predictions.json
// Tensors travel as JSON {"shape": [...], "data": [...flat float32...]}.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';

const WEIGHTS = 'group1-shard1of1.bin';

function fileLoader(dir) {
  return {
    load: async () => {
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of doc.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {modelTopology: doc.modelTopology, weightSpecs: specs, weightData, format: doc.format};
    },
  };
}

function fileSaver(dir) {
  return {
    save: async (artifacts) => {
      fs.mkdirSync(dir, {recursive: true});
      const data = Array.isArray(artifacts.weightData) ?
          Buffer.concat(artifacts.weightData.map((b) => Buffer.from(b))) : Buffer.from(artifacts.weightData);
      fs.writeFileSync(path.join(dir, WEIGHTS), data);
      const doc = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format || 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy || null,
        weightsManifest: [{paths: [WEIGHTS], weights: artifacts.weightSpecs}],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(doc));
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    },
  };
}

function readTensor(file) {
  const {shape, data} = JSON.parse(fs.readFileSync(file, 'utf8'));
  return tf.tensor(data, shape, 'float32');
}

function writeTensor(t, file) {
  fs.writeFileSync(file, JSON.stringify({shape: t.shape, data: Array.from(t.dataSync())}));
}

function build(kind) {
  if (kind === 'mlp') {
    return tf.sequential({layers: [
      tf.layers.dense({inputShape: [6], units: 8, activation: 'relu'}),
      tf.layers.dropout({rate: 0.3}),
      tf.layers.dense({units: 4, activation: 'softmax', kernelRegularizer: tf.regularizers.l2()}),
    ]});
  }
  if (kind === 'cnn') {
    return tf.sequential({layers: [
      tf.layers.conv2d({inputShape: [8, 8, 1], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu'}),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.batchNormalization({
        movingMeanInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5}),
        movingVarianceInitializer: tf.initializers.randomUniform({minval: 0.5, maxval: 1.5}),
        gammaInitializer: tf.initializers.randomUniform({minval: 0.5, maxval: 1.5}),
        betaInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5}),
      }),
      tf.layers.averagePooling2d({poolSize: 2, strides: 1}),
      tf.layers.flatten(),
      tf.layers.dense({units: 5}),
      tf.layers.activation({activation: 'tanh'}),
    ]});
  }
  if (kind === 'functional') {
    const inp = tf.input({shape: [5]});
    const h = tf.layers.dense({units: 6, activation: 'sigmoid'}).apply(inp);
    const n = tf.layers.layerNormalization().apply(h);
    const r = tf.layers.reshape({targetShape: [3, 2]}).apply(n);
    const f = tf.layers.flatten().apply(r);
    const out = tf.layers.dense({units: 2, useBias: false}).apply(f);
    return tf.model({inputs: inp, outputs: out});
  }
  throw new Error(`unknown model kind ${kind}`);
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'predict') {
    const [dir, input, output] = args;
    const model = await tf.loadLayersModel(fileLoader(dir));
    writeTensor(model.predict(readTensor(input)), output);
  } else if (mode === 'make') {
    const [kind, dir, input] = args;
    const model = build(kind);
    await model.save(fileSaver(dir));
    writeTensor(model.predict(readTensor(input)), path.join(dir, 'predictions.json'));
  } else {
    throw new Error('usage: tfjs_roundtrip.mjs predict <dir> <in> <out> | make <kind> <dir> <in>');
  }
}

main().catch((err) => { console.error(err.stack || String(err)); process.exit(1); });
