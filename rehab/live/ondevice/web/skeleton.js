// The skeleton over the local video: the same edges as the server's overlay
// (rehab.core.landmarks.POSE_CONNECTIONS, passed in by the page).
const VALUES_PER_JOINT = 7; // x, y, z, visibility (image), x, y, z (world)

export function drawSkeleton(canvas, values, connections, minVisibility) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (!values) return 0;
  const at = (j) => [values[j * VALUES_PER_JOINT] * w, values[j * VALUES_PER_JOINT + 1] * h];
  const seen = (j) => values[j * VALUES_PER_JOINT + 3] >= minVisibility;
  ctx.lineWidth = Math.max(2, w / 160);
  ctx.strokeStyle = "rgba(80, 220, 120, 0.95)";
  let drawn = 0;
  for (const [a, b] of connections) {
    if (!seen(a) || !seen(b)) continue;
    const [ax, ay] = at(a);
    const [bx, by] = at(b);
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.stroke();
    drawn += 1;
  }
  ctx.fillStyle = "rgba(255, 255, 255, 0.95)";
  const r = Math.max(2.5, w / 200);
  for (let j = 0; j < values.length / VALUES_PER_JOINT; j += 1) {
    if (!seen(j)) continue;
    const [x, y] = at(j);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fill();
  }
  return drawn;
}
