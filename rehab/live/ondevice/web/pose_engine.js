// BlazePose through MediaPipe Tasks for Web, served by our own server (no CDN).
// Used inside the Web Worker (pose_worker.js) or, when a worker cannot run it, on the page.
const JOINTS = 33;
const VALUES_PER_JOINT = 7;

export async function createEngine(vendor, modelUrl, inWorker) {
  const vision = await import(`${vendor}/vision_bundle.mjs`);
  // A module worker needs the ES-module build of the WASM loader; the page the classic one.
  const fileset = await vision.FilesetResolver.forVisionTasks(`${vendor}/wasm`, inWorker);
  const landmarker = await vision.PoseLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: modelUrl, delegate: "CPU" },
    runningMode: "VIDEO",
    numPoses: 1,
  });
  let lastT = -1;
  return {
    detect(image, tMs) {
      const t = tMs > lastT ? tMs : lastT + 0.001; // VIDEO mode needs rising times
      lastT = t;
      const result = landmarker.detectForVideo(image, t);
      const image33 = result.landmarks && result.landmarks[0];
      const world33 = result.worldLandmarks && result.worldLandmarks[0];
      if (!image33 || !world33 || image33.length !== JOINTS) {
        return { t, people: 0, values: null };
      }
      const values = new Float32Array(JOINTS * VALUES_PER_JOINT);
      for (let j = 0; j < JOINTS; j += 1) {
        const p = image33[j];
        const q = world33[j];
        const o = j * VALUES_PER_JOINT;
        values[o] = p.x;
        values[o + 1] = p.y;
        values[o + 2] = p.z;
        values[o + 3] = p.visibility ?? 0;
        values[o + 4] = q.x;
        values[o + 5] = q.y;
        values[o + 6] = q.z;
      }
      return { t, people: result.landmarks.length, values };
    },
    close() {
      landmarker.close();
    },
  };
}
