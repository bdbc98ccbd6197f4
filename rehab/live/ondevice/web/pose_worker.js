// The pose model in a Web Worker, so that the page stays responsive while it runs.
// Messages in: {type: "init", vendor, model} and {type: "frame", bitmap, t}.
// Messages out: {type: "ready"}, {type: "result", t, people, values, ms}, {type: "error"}.
import { createEngine } from "./pose_engine.js";

let engine = null;

self.onmessage = async (event) => {
  const data = event.data;
  try {
    if (data.type === "init") {
      // once per worker: MediaPipe's WASM loader runs once in a global scope
      if (engine) throw new Error("this worker already runs a model");
      engine = await createEngine(data.vendor, data.model, true);
      self.postMessage({ type: "ready", model: data.model });
    } else if (data.type === "frame") {
      const started = performance.now();
      const out = engine.detect(data.bitmap, data.t);
      data.bitmap.close();
      const transfer = out.values ? [out.values.buffer] : [];
      self.postMessage({ type: "result", ...out, ms: performance.now() - started }, transfer);
    }
  } catch (error) {
    if (data.bitmap) data.bitmap.close();
    self.postMessage({ type: "error", message: String((error && error.message) || error) });
  }
};
