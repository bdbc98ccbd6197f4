// The patient's on-device live session: a Streamlit component served from our own route.
//
// The camera picture never leaves this page. BlazePose runs here (MediaPipe Tasks for Web,
// in a Web Worker when it can); only the landmarks go to our server, in small binary
// batches over a WebSocket. The server counts (the same Python engine as everywhere) and
// answers with what to show and say. Everything is loaded from our own origin.
import { drawSkeleton } from "./skeleton.js";

const body = document.body;
const CONFIG = {
  app: body.dataset.app,
  vendor: body.dataset.vendor,
  models: JSON.parse(body.dataset.models || "{}"),
  ws: body.dataset.ws,
};
const $ = (id) => document.getElementById(id);
const video = $("video");
const canvas = $("overlay");
const VALUES_PER_JOINT = 7;
const FRAME_BYTES = 33 * VALUES_PER_JOINT * 4;
const BATCH_FRAMES = 2; // frames per message at most (more while the network is slow)
const BATCH_WAIT_MS = 120; // a lone frame waits at most this long for a companion
const MAX_PENDING = 16;
const RECONNECT_FOR_MS = 55000; // a little under the server's grace period

const state = {
  args: null,
  texts: {},
  token: "",
  model: "full",
  engine: null,
  engineKind: "",
  busy: false,
  lastStart: -Infinity,
  done: [], // completion times of recent pose results (the frame rate shown)
  costs: [], // ms per frame (grab + model) since the model started: what the device can do
  speedChecked: false,
  capacity: 0,
  inputWidth: 0, // 0: the camera's own size
  ws: null,
  ready: false,
  finished: false,
  ending: false,
  lostAt: 0,
  retries: 0,
  seq: 1,
  pending: [],
  pendingTimer: 0,
  sentAt: new Map(),
  status: null,
  stats: { messages: 0, frames: 0, bytes: 0, drawn: 0, rtt: [], closes: [] },
};
window.__rehab = state; // for the browser tests: what was sent, drawn and measured

// -- Streamlit's component protocol (postMessage with the page around us) -------------------

function toStreamlit(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, window.location.origin);
}

function setHeight() {
  toStreamlit("streamlit:setFrameHeight", { height: document.documentElement.scrollHeight + 4 });
}

function setValue(value) {
  toStreamlit("streamlit:setComponentValue", { value, dataType: "json" });
}

window.addEventListener("message", (event) => {
  if (event.source !== window.parent || event.origin !== window.location.origin) return;
  const data = event.data || {};
  if (data.type === "streamlit:render") onRender(data.args || {});
});

function onRender(args) {
  const first = state.args === null;
  state.args = args;
  state.texts = args.texts || {};
  if (!state.connectedOnce) state.token = args.token; // the newest until the server's own
  if (first) {
    state.model = args.model || "full";
    $("speak").checked = args.speak !== false; // as the patient left it before "Begin"
    setTexts();
  }
  setHeight();
}

// -- words on the page ----------------------------------------------------------------------

function fmt(key, values = {}) {
  const template = state.texts[key] || key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : ""));
}

function setTexts() {
  $("privacy").textContent = fmt("privacy");
  $("start").textContent = fmt("start");
  $("finish-set").textContent = fmt("finish_set");
  $("skip-rest").textContent = fmt("skip_rest");
  $("end").textContent = fmt("end");
  $("speak-label").textContent = fmt("speak");
  $("fallback").textContent = fmt("fallback");
  const parentHeight = window.parent ? window.parent.innerHeight : window.innerHeight;
  $("stage").style.maxHeight = `${Math.round(parentHeight * 0.55)}px`;
}

function notice(text) {
  const el = $("notice");
  el.textContent = text || "";
  el.hidden = !text;
  setHeight();
}

function speak(words) {
  if (!words || !words.length) return;
  const text = words.join(". ");
  (window.__rehabSaid = window.__rehabSaid || []).push(text);
  const synth = window.speechSynthesis;
  if (!$("speak").checked || !synth) return;
  const lang = (state.args && state.args.speech_lang) || "en-GB";
  const voices = synth.getVoices();
  const voice =
    voices.find((v) => v.lang === lang) || voices.find((v) => (v.lang || "").startsWith(lang.slice(0, 2)));
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = lang;
  if (voice) utterance.voice = voice;
  synth.cancel();
  synth.speak(utterance);
}

function countText(s) {
  if (s.hold_target_s !== null && s.hold_target_s !== undefined) return `${s.hold_s} / ${s.hold_target_s} s`;
  if (s.target !== null && s.target !== undefined) return `${s.reps} / ${s.target}`;
  return String(s.reps);
}

function bannerText(s) {
  if (s.phase === "rest") return fmt("rest", { seconds: s.rest_s });
  if (s.phase === "done") return fmt("all_done");
  if (s.set_done) return fmt("set_done");
  return "";
}

function cueText(s) {
  if (s.phase === "setup") return fmt("getting_ready", { message: s.message });
  return s.message || "";
}

function showStatus(s) {
  state.status = s;
  $("count").textContent = countText(s);
  $("count").dataset.reps = String(s.reps);
  $("setline").textContent = `${fmt("set_of", { set: s.set, sets: s.sets })} · ${s.exercise}`;
  $("banner").textContent = bannerText(s);
  const cue = $("cue");
  cue.textContent = cueText(s);
  cue.className = `cue ${s.phase === "setup" ? "info" : s.severity}`;
  $("finish-set").hidden = s.phase !== "counting";
  $("skip-rest").hidden = s.phase !== "rest";
  showInfo();
  setHeight();
}

function showInfo() {
  const saved = state.status ? state.status.saved_text : ""; // "1 rep saved": the server's plural
  const line = fmt("info", { model: state.model, fps: currentFps().toFixed(0) });
  $("info").textContent = saved ? `${line} · ${saved}` : line;
}

// -- the pose model: in a worker, else on the page ------------------------------------------

function modelUrl(name) {
  return CONFIG.models[name];
}

class WorkerEngine {
  constructor() {
    this.worker = new Worker(`${CONFIG.app}/pose_worker.js`, { type: "module" });
    this.waiting = null;
    this.worker.onmessage = (event) => this.onMessage(event.data);
    this.worker.onerror = (event) => this.fail(event.message || "the worker failed");
  }

  onMessage(data) {
    const waiting = this.waiting;
    this.waiting = null;
    if (!waiting) return;
    if (data.type === "error") waiting.reject(new Error(data.message));
    else waiting.resolve(data);
  }

  fail(message) {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting.reject(new Error(message));
  }

  ask(message, transfer = []) {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  init(url) {
    return this.ask({ type: "init", vendor: CONFIG.vendor, model: url });
  }

  detect(bitmap, t) {
    return this.ask({ type: "frame", bitmap, t }, [bitmap]);
  }

  close() {
    this.fail("closed");
    this.worker.terminate();
  }
}

class PageEngine {
  async init(url) {
    const { createEngine } = await import("./pose_engine.js");
    if (this.engine) this.engine.close();
    this.engine = await createEngine(CONFIG.vendor, url, false);
  }

  async detect(bitmap, t) {
    try {
      return this.engine.detect(bitmap, t);
    } finally {
      bitmap.close();
    }
  }

  close() {
    if (this.engine) this.engine.close();
  }
}

// A model change makes a new engine (a new worker): the WASM build starts once per worker.
async function makeEngine(name) {
  if (typeof WebAssembly !== "object") throw new Error("no WebAssembly");
  if (state.engineKind !== "page") {
    const engine = new WorkerEngine();
    try {
      await engine.init(modelUrl(name));
      state.engineKind = "worker";
      return engine;
    } catch (error) {
      engine.close();
      console.warn("pose model in a worker failed, running it on the page:", error);
    }
  }
  const engine = new PageEngine();
  await engine.init(modelUrl(name));
  state.engineKind = "page";
  return engine;
}

function currentFps() {
  const now = performance.now();
  state.done = state.done.filter((t) => now - t <= 2000);
  return state.done.length / 2;
}

// What this device can do: 1000 / the median cost of a frame (grab + model), measured once
// per model on its first frames after a warm-up (the camera may deliver fewer frames; that
// is not the device's fault). Too slow for the full model: the lite one. Too slow even for
// that (the counter needs a frame at least every 0.6 s): say so and offer the server camera.
const WARMUP_FRAMES = 3;
const SPEED_FRAMES = 6;
const SMALL_INPUT_WIDTH = 320; // the model looks at a 256 x 256 crop of the person anyway

function capacityFps() {
  const costs = state.costs.slice(WARMUP_FRAMES).sort((a, b) => a - b);
  return costs.length ? 1000 / costs[Math.floor(costs.length / 2)] : Infinity;
}

async function checkSpeed() {
  if (state.speedChecked || state.costs.length < WARMUP_FRAMES + SPEED_FRAMES) return;
  state.speedChecked = true;
  const fps = capacityFps();
  state.capacity = fps;
  const slowFps = (state.args && state.args.slow_fps) || 10;
  if (state.model === "full" && fps < slowFps && modelUrl("lite")) {
    await switchTo("lite", fps);
  } else if (fps < slowFps && !state.inputWidth) {
    state.inputWidth = SMALL_INPUT_WIDTH; // a smaller picture for the model: faster still
    state.costs = [];
    state.speedChecked = false;
  } else if (fps < ((state.args && state.args.min_fps) || 2)) {
    notice(fmt("too_slow", { fps: fps.toFixed(1) }));
    $("fallback").hidden = false;
    setHeight();
  }
}

async function switchTo(name, fps) {
  try {
    const next = await makeEngine(name); // the full model keeps counting meanwhile
    const previous = state.engine;
    state.engine = next;
    previous.close();
    state.model = name;
    state.costs = [];
    state.speedChecked = false; // measure the new model once too
    send({ type: "model", model: name });
    notice(fmt("slow_switch", { fps: fps.toFixed(0) }));
  } catch (error) {
    console.warn(`the ${name} model could not start; staying with ${state.model}:`, error);
  }
}

// -- frames ---------------------------------------------------------------------------------

function targetFps() {
  return (state.args && state.args.target_fps) || 15;
}

function scheduleFrame() {
  if (state.finished) return;
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onVideoFrame);
  else setTimeout(() => onVideoFrame(performance.now()), 1000 / targetFps());
}

function grab() {
  const width = state.inputWidth;
  if (!width || !video.videoWidth) return createImageBitmap(video);
  const height = Math.round((width * video.videoHeight) / video.videoWidth);
  return createImageBitmap(video, { resizeWidth: width, resizeHeight: height, resizeQuality: "low" });
}

async function onVideoFrame(now) {
  scheduleFrame();
  if (state.busy || !state.engine || now - state.lastStart < 1000 / targetFps() - 4) return;
  state.busy = true;
  state.lastStart = now;
  try {
    const started = performance.now();
    const bitmap = await grab();
    const out = await state.engine.detect(bitmap, now);
    state.costs.push(performance.now() - started);
    onPose(out);
  } catch (error) {
    console.warn("pose failed on a frame:", error);
  } finally {
    state.busy = false;
  }
  checkSpeed();
}

function onPose(out) {
  state.done.push(performance.now());
  if (canvas.width !== video.videoWidth) {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
  }
  const minVisibility = (state.args && state.args.min_visibility) || 0.5;
  state.stats.drawn += drawSkeleton(canvas, out.values, state.args.connections || [], minVisibility) > 0 ? 1 : 0;
  state.pending.push({ t: out.t, values: out.values });
  if (state.pending.length > MAX_PENDING) state.pending.shift();
  if (state.pending.length >= BATCH_FRAMES) flush();
  else if (!state.pendingTimer) state.pendingTimer = setTimeout(flush, BATCH_WAIT_MS);
  if (state.done.length % 8 === 0) showInfo();
}

function encodeBatch(seq, frames) {
  const n = frames.length;
  const withPeople = frames.filter((f) => f.values).length;
  const padded = (n + 3) & ~3;
  const buffer = new ArrayBuffer(8 + 8 * n + padded + withPeople * FRAME_BYTES);
  const view = new DataView(buffer);
  view.setUint8(0, 0x52); // "R"
  view.setUint8(1, 0x46); // "F"
  view.setUint8(2, 1);
  view.setUint8(3, n);
  view.setUint32(4, seq, true);
  const people = new Uint8Array(buffer, 8 + 8 * n, padded);
  let offset = 8 + 8 * n + padded;
  frames.forEach((frame, i) => {
    view.setFloat64(8 + 8 * i, frame.t, true);
    if (!frame.values) return;
    people[i] = 1;
    new Float32Array(buffer, offset, 33 * VALUES_PER_JOINT).set(frame.values);
    offset += FRAME_BYTES;
  });
  return buffer;
}

function flush() {
  clearTimeout(state.pendingTimer);
  state.pendingTimer = 0;
  const ws = state.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || !state.ready) {
    state.pending = []; // nothing is kept while disconnected: the counter resumes from now
    return;
  }
  if (ws.bufferedAmount > 65536 && state.pending.length < MAX_PENDING) return;
  const maxBatch = (state.limits && state.limits.max_batch) || 32;
  const frames = state.pending.splice(0, maxBatch);
  const seq = state.seq++;
  const data = encodeBatch(seq, frames);
  state.sentAt.set(seq, performance.now());
  ws.send(data);
  state.stats.messages += 1;
  state.stats.frames += frames.length;
  state.stats.bytes += data.byteLength;
}

// -- the server -----------------------------------------------------------------------------

function send(message) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${window.location.host}${CONFIG.ws}`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({
      type: "hello",
      v: 1,
      token: state.token,
      model: state.model,
      fps: targetFps(),
      width: video.videoWidth || 640,
      height: video.videoHeight || 480,
    }));
  };
  ws.onmessage = (event) => onServer(JSON.parse(event.data));
  ws.onclose = (event) => onClose(event);
}

function onServer(message) {
  if (message.token) state.token = message.token;
  if (message.type === "ready") {
    state.ready = true;
    state.connectedOnce = true;
    state.retries = 0;
    state.lostAt = 0;
    state.limits = message.limits;
    notice("");
  } else if (message.type === "update" && state.sentAt.has(message.seq)) {
    state.stats.rtt.push(performance.now() - state.sentAt.get(message.seq));
    forgetUpTo(message.seq);
  } else if (message.type === "finished") {
    state.finished = true;
    setValue({ finished: true, session_id: message.session_id });
  }
  if (message.status) showStatus(message.status);
  speak(message.speak);
}

// The server answers a batch with nothing to say only now and then (docs/live.md): batches
// are worked on in order, so an answer to `seq` stands for every batch sent before it.
function forgetUpTo(seq) {
  for (const sent of state.sentAt.keys()) {
    if (sent > seq) break;
    state.sentAt.delete(sent);
  }
}

const FINAL_CLOSES = new Set([4400, 4401, 4403, 4409, 4429]);

function onClose(event) {
  state.ready = false;
  state.stats.closes.push({ code: event.code, reason: event.reason });
  if (state.finished) return;
  if (event.code === 4409) {
    notice(fmt("replaced"));
    return;
  }
  if (FINAL_CLOSES.has(event.code)) {
    notice(fmt("refused", { reason: event.reason }));
    return;
  }
  if (!state.lostAt) state.lostAt = performance.now();
  if (performance.now() - state.lostAt > RECONNECT_FOR_MS) {
    notice(fmt("gave_up"));
    return;
  }
  notice(fmt("reconnecting"));
  const delay = Math.min(8000, 500 * 2 ** state.retries);
  state.retries += 1;
  setTimeout(connect, delay);
}

// -- buttons --------------------------------------------------------------------------------

async function start() {
  $("start").disabled = true;
  notice(fmt("loading"));
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
      audio: false,
    });
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    notice(fmt("camera_error", { reason: error.message || String(error) }));
    $("start").disabled = false;
    return;
  }
  try {
    state.engine = await makeEngine(state.model);
  } catch (error) {
    console.warn("the pose model cannot run in this browser:", error);
    notice(fmt("no_wasm"));
    $("fallback").hidden = false;
    setHeight();
    return;
  }
  notice("");
  $("start").hidden = true;
  $("end").hidden = false;
  connect();
  scheduleFrame();
}

function end() {
  if (state.ready) {
    state.ending = true;
    $("end").disabled = true;
    notice(fmt("saving"));
    send({ type: "stop" });
    return;
  }
  state.finished = true; // not connected: what was counted is saved already
  setValue({ finished: true, session_id: null });
}

$("start").addEventListener("click", start);
$("end").addEventListener("click", end);
$("finish-set").addEventListener("click", () => send({ type: "end_set" }));
$("skip-rest").addEventListener("click", () => send({ type: "skip_rest" }));
$("fallback").addEventListener("click", () => setValue({ fallback: true }));
new ResizeObserver(setHeight).observe(document.documentElement);
toStreamlit("streamlit:componentReady", { apiVersion: 1 });
