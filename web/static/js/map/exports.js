// Exports of the map. CSV, GraphML and SVG are made by the server from the ids of what is
// shown (re-read within the user's jurisdiction, with provenance); a PNG is drawn here from
// a canvas of the whole map at high resolution, after the server has recorded the export.

import { download, postFile, postJson } from "./api.js";
import { OPTIONS } from "./view.js";

const LONGEST = 6000;   // pixels on the longer side of a PNG, at most

// What is shown: entities with their positions (a transfer drawn as an arrow sits between
// its accounts) and the ties between them.
export function shownMap(app) {
  const view = app.view;
  const model = app.model;
  const ids = view.nodes.getIds();
  const positions = view.network.getPositions(ids);
  const nodes = ids.map((id) => ({ id, x: positions[id].x, y: positions[id].y }));
  const exported = new Set(ids);
  for (const [, transactionId] of view.collapsed) {
    const edge = [...model.edges.values()].filter((e) => e.from === transactionId || e.to === transactionId);
    const ends = edge.map((e) => (e.from === transactionId ? e.to : e.from)).filter((id) => positions[id]);
    const x = ends.reduce((sum, id) => sum + positions[id].x, 0) / Math.max(1, ends.length);
    const y = ends.reduce((sum, id) => sum + positions[id].y, 0) / Math.max(1, ends.length);
    nodes.push({ id: transactionId, x, y });
    exported.add(transactionId);
  }
  const edges = [...model.edges.values()]
    .filter((edge) => exported.has(edge.from) && exported.has(edge.to) && view.edgeVisible(edge))
    .map((edge) => edge.id);
  return { nodes, edges, hidden_labels: [...model.filters.labels] };
}

async function drawPng(app) {
  const view = app.view;
  const ids = view.nodes.getIds();
  const positions = view.network.getPositions(ids);
  const xs = ids.map((id) => positions[id].x);
  const ys = ids.map((id) => positions[id].y);
  const width = Math.max(...xs) - Math.min(...xs) + 240;
  const height = Math.max(...ys) - Math.min(...ys) + 200;
  const scale = Math.min(3, LONGEST / Math.max(width, height));
  const box = document.createElement("div");
  box.className = "map-print";
  box.style.position = "fixed";
  box.style.left = "-100000px";
  box.style.top = "0";
  box.style.width = `${Math.round(width * scale)}px`;
  box.style.height = `${Math.round(height * scale)}px`;
  document.body.appendChild(box);
  const nodes = new vis.DataSet(view.nodes.get().map(({ title, ...node }) => ({
    ...node, x: positions[node.id].x, y: positions[node.id].y, fixed: { x: true, y: true } })));
  const edges = new vis.DataSet(view.edges.get().map(({ title, ...edge }) => edge));
  const network = new vis.Network(box, { nodes, edges }, {
    ...OPTIONS, autoResize: false, physics: { enabled: false },
    interaction: { dragView: false, zoomView: false, hover: false } });
  try {
    await new Promise((resolve) => {
      network.once("afterDrawing", resolve);
      network.fit({ animation: false });
      network.redraw();
    });
    const source = box.querySelector("canvas");
    const out = document.createElement("canvas");
    out.width = source.width;
    out.height = source.height;
    const context = out.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, out.width, out.height);
    context.drawImage(source, 0, 0);
    return await new Promise((resolve) => out.toBlob(resolve, "image/png"));
  } finally {
    network.destroy();
    box.remove();
  }
}

export async function exportMap(app, kind) {
  const body = shownMap(app);
  if (!body.nodes.length) return;
  let counts;
  if (kind === "png") {
    counts = await postJson("/api/v1/map/export/png", body);
    const blob = await drawPng(app);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");
    download(blob, `lianjian-map-${stamp}.png`);
  } else {
    const file = await postFile(`/api/v1/map/export/${kind}`, body);
    download(file.blob, file.name);
    counts = file.counts;
  }
  app.say(app.t("export_done", { format: kind.toUpperCase(), nodes: counts.nodes, ties: counts.ties }));
  const left = counts.left_out_nodes + counts.left_out_ties;
  if (left && kind !== "png") app.say(app.t("export_left_out", { n: left }), "warn");
}
