// Drawing the model with vis-network: styles and captions by type, badges of ties not yet on
// the map, transfers between two accounts on the map drawn as one arrow with amount and
// date, filters applied, and stable positions (physics only for a first layout, then
// stopped; new entities placed next to the one they came from). Texts reach the canvas as
// text and the tooltips as elements built with textContent — never as HTML.

import { money, roleName, shorten, stepMark, tieCaption } from "./text.js";

export const OPTIONS = {
  autoResize: true,
  physics: {
    enabled: false,
    solver: "forceAtlas2Based",
    forceAtlas2Based: { gravitationalConstant: -90, springLength: 170, springConstant: 0.05,
                        avoidOverlap: 0.9 },
    stabilization: { enabled: false },
  },
  layout: { randomSeed: 7, improvedLayout: false },
  interaction: { hover: true, multiselect: true, tooltipDelay: 250, navigationButtons: false,
                 keyboard: false, hideEdgesOnDrag: false },
  nodes: {
    borderWidth: 1.5,
    font: { face: '"Noto Sans CJK SC", sans-serif', size: 13, color: "#1f2329",
            strokeWidth: 3, strokeColor: "#ffffff" },
  },
  edges: {
    smooth: false,
    arrows: { to: { enabled: true, scaleFactor: 0.45 } },
    font: { face: '"Noto Sans CJK SC", sans-serif', size: 11, color: "#4e5661",
            strokeWidth: 3, strokeColor: "#ffffff", align: "horizontal",
            background: "rgba(255,255,255,0.88)" },   // the line stops at the caption
    selectionWidth: 1.5,
  },
};

const GRID = 56;     // the smallest distance kept between a new entity and the others
const SPACING = 88;  // along a ring: room for a name under each entity
const FIRST_RING = 180;
const RING_STEP = 115;

export class MapView {
  constructor(container, model, config, t, handlers) {
    this.model = model;
    this.config = config;
    this.t = t;
    this.handlers = handlers;
    this.showEdgeLabels = true;
    this.signatures = new Map();
    this.tooltips = new Map();
    this.collapsed = new Map();   // "via:<transaction>" → transaction id
    this.nodes = new vis.DataSet();
    this.edges = new vis.DataSet();
    this.network = new vis.Network(container, { nodes: this.nodes, edges: this.edges }, OPTIONS);
    this.index = new Map();
    this.network.on("afterDrawing", (context) => this.drawBadges(context));
    this.network.on("dragEnd", (event) => this.dragged(event));
    this.network.on("select", () => handlers.select(this.selection()));
    this.network.on("deselectNode", () => handlers.select(this.selection()));
    this.network.on("doubleClick", (event) => {
      if (event.nodes.length === 1) handlers.expand(event.nodes[0]);
    });
  }

  // --- what is shown --------------------------------------------------------------------
  nodeVisible(node) {
    const filters = this.model.filters;
    if (this.model.hidden.has(node.id) || filters.labels.has(node.label)) return false;
    if (node.date && (filters.from || filters.to)) {
      const day = String(node.date).slice(0, 10);
      if ((filters.from && day < filters.from) || (filters.to && day > filters.to)) return false;
    }
    return true;
  }

  edgeVisible(edge) {
    const filters = this.model.filters;
    if (filters.types.has(edge.type)) return false;
    const props = edge.props || {};
    if (filters.at) {
      if (props.start_date && props.start_date > filters.at) return false;
      if (props.end_date && props.end_date < filters.at) return false;
    }
    if (props.date && (filters.from || filters.to)) {
      const day = String(props.date).slice(0, 10);
      if ((filters.from && day < filters.from) || (filters.to && day > filters.to)) return false;
    }
    return true;
  }

  // Which transfers (Transaction entities) are drawn as one arrow between their accounts.
  transfers(visible) {
    const paid = new Map();
    const paidTo = new Map();
    for (const edge of this.model.edges.values()) {
      if (edge.type === "PAID") paid.set(edge.to, edge);
      if (edge.type === "PAID_TO") paidTo.set(edge.from, edge);
    }
    const collapsed = new Map();
    for (const node of this.model.nodes.values()) {
      if (node.label !== "Transaction" || !visible.has(node.id)) continue;
      const from = paid.get(node.id);
      const to = paidTo.get(node.id);
      if (from && to && visible.has(from.from) && visible.has(to.to)
          && this.edgeVisible(from) && this.edgeVisible(to)) {
        collapsed.set(node.id, { from: from.from, to: to.to, edges: [from.id, to.id] });
      }
    }
    return collapsed;
  }

  render() {
    this.index = this.model.tiesOnMap();
    const visible = new Set();
    for (const node of this.model.nodes.values()) {
      if (this.nodeVisible(node)) visible.add(node.id);
    }
    const transfers = this.transfers(visible);
    const hiddenEdges = new Set();
    for (const [id, transfer] of transfers) {
      visible.delete(id);
      transfer.edges.forEach((edgeId) => hiddenEdges.add(edgeId));
    }
    const nodeItems = [];
    for (const id of visible) nodeItems.push(this.nodeItem(this.model.nodes.get(id)));
    const edgeItems = [];
    for (const edge of this.model.edges.values()) {
      if (hiddenEdges.has(edge.id) || !visible.has(edge.from) || !visible.has(edge.to)) continue;
      if (this.edgeVisible(edge)) edgeItems.push(this.edgeItem(edge));
    }
    this.collapsed = new Map();
    for (const [id, transfer] of transfers) {
      this.collapsed.set("via:" + id, id);
      edgeItems.push(this.transferItem(this.model.nodes.get(id), transfer));
    }
    this.sync(this.nodes, nodeItems, "n");
    this.sync(this.edges, edgeItems, "e");
    this.visible = visible;
    this.network.redraw();
  }

  // Update a DataSet to hold exactly ``items``, touching only what changed.
  sync(dataset, items, kind) {
    const wanted = new Set(items.map((item) => item.id));
    const gone = dataset.getIds().filter((id) => !wanted.has(id));
    if (gone.length) dataset.remove(gone);
    gone.forEach((id) => this.signatures.delete(kind + id));
    const changed = [];
    for (const item of items) {
      const { title, ...rest } = item;
      const signature = JSON.stringify(rest);
      if (this.signatures.get(kind + item.id) !== signature) {
        this.signatures.set(kind + item.id, signature);
        changed.push(item);
      }
    }
    if (changed.length) dataset.update(changed);
  }

  nodeItem(node) {
    const config = this.config;
    const style = node.withheld ? config.withheld_style
      : config.node_styles[node.label] || config.withheld_style;
    const roles = this.model.evidence.get(node.id);
    const onPath = [...this.model.pathEdges].some((id) => {
      const edge = this.model.edges.get(id);
      return edge && (edge.from === node.id || edge.to === node.id);
    });
    let border = "#ffffff";
    let width = 1.5;
    if (node.alerted) { border = "#9e2a2b"; width = 2.5; }
    if (roles) { border = "#9e2a2b"; width = 4; }
    if (onPath) { border = "#1f2329"; width = Math.max(width, 3); }
    const position = this.model.positions.get(node.id) || {};
    const item = {
      id: node.id, label: this.caption(node), shape: style.shape, size: style.size,
      color: { background: style.color, border,
               highlight: { background: style.color, border: "#1f2329" },
               hover: { background: style.color, border: "#1f2329" } },
      borderWidth: width, borderWidthSelected: width + 1.5,
      shapeProperties: { borderDashes: node.withheld ? [4, 3] : false },
      font: { color: node.withheld ? "#7a828e" : "#1f2329" },
      title: this.tooltip(node),
      fixed: this.model.pinned.has(node.id) ? { x: true, y: true } : false,
    };
    if (position.x !== undefined) { item.x = position.x; item.y = position.y; }
    return item;
  }

  caption(node) {
    const config = this.config;
    if (node.withheld) return this.t("withheld_node", { label: config.labels[node.label] || node.label });
    let text;
    if (node.label === "Transaction") text = `${money(node.amount)}\n${node.date || ""}`;
    else text = shorten(node.name || node.key, 16);
    if (this.model.pinned.has(node.id)) text = "◎ " + text;   // a CJK font glyph: no emoji font offline
    const roles = this.model.evidence.get(node.id);
    if (roles && roles.length) text += `\n〔${roles.map((r) => roleName(config, r)).join("·")}〕`;
    return text;
  }

  edgeItem(edge) {
    const style = this.config.tie_styles[edge.type] || { color: "#7a828e", dashes: false };
    const highlighted = this.model.evidenceEdges.has(edge.id) || this.model.pathEdges.has(edge.id);
    const steps = this.model.trailSteps.get(edge.id);
    // A tie whose kind the picture already says (an account's holder, the two halves of a
    // transfer) carries no name, only its details when it has any.
    const bare = ["HELD_BY", "PAID", "PAID_TO"].includes(edge.type);
    let label = tieCaption(this.config, edge) || (bare ? "" : this.config.ties[edge.type] || edge.type);
    if (edge.type === "EVIDENCE") label = roleName(this.config, (edge.props || {}).role || "");
    if (edge.type === "TRANSFER") {
      label = `${steps ? steps.map(stepMark).join("") + " " : ""}${money(edge.props.amount)} · ${edge.props.date || ""}`;
    }
    return {
      id: edge.id, from: edge.from, to: edge.to,
      label: this.showEdgeLabels && label ? label : undefined,
      color: { color: style.color, highlight: "#1f2329", hover: "#1f2329", opacity: 0.9 },
      dashes: style.dashes || Boolean(edge.withheld),
      width: highlighted ? 3.2 : 1.2,
      title: this.tieTooltip(edge, label),
    };
  }

  transferItem(node, transfer) {
    const steps = this.model.trailSteps.get(node.id);
    const label = `${steps ? steps.map(stepMark).join("") + " " : ""}${money(node.amount)} · ${node.date || ""}`;
    const style = this.config.tie_styles.PAID;
    const highlighted = Boolean(steps) || this.model.evidence.has(node.id);
    return {
      id: "via:" + node.id, from: transfer.from, to: transfer.to,
      label: this.showEdgeLabels ? label : undefined,
      color: { color: style.color, highlight: "#1f2329", hover: "#1f2329" },
      width: highlighted ? 3.2 : 1.6, dashes: false,
      font: { color: "#5a4520", size: 13 },
      title: this.tooltip(node),
    };
  }

  // --- tooltips: elements built from text -------------------------------------------------
  tooltip(node) {
    const box = document.createElement("div");
    const title = document.createElement("div");
    title.className = "tip-title";
    title.textContent = node.withheld ? this.t("withheld_node", { label: this.config.labels[node.label] })
      : (node.name || node.key);
    box.appendChild(title);
    const lines = [];
    if (!node.withheld) {
      lines.push(`${this.config.labels[node.label] || node.label} · ${node.key}`);
      if (node.date || typeof node.amount === "number") lines.push(`${node.date || ""} ${money(node.amount)}`.trim());
      const remaining = this.model.remaining(node.id, this.index);
      if (remaining) lines.push(this.t("more", { type: "", n: remaining }).trim());
    } else {
      lines.push(this.t("withheld_note"));
    }
    for (const text of lines) {
      const line = document.createElement("div");
      line.className = "tip-line";
      line.textContent = text;
      box.appendChild(line);
    }
    return box;
  }

  tieTooltip(edge, caption) {
    const box = document.createElement("div");
    const title = document.createElement("div");
    title.className = "tip-title";
    title.textContent = this.config.ties[edge.type] || edge.type;
    box.appendChild(title);
    const line = document.createElement("div");
    line.className = "tip-line";
    line.textContent = caption;
    box.appendChild(line);
    return box;
  }

  // --- badges: ties not on the map yet --------------------------------------------------
  drawBadges(context) {
    const ids = this.nodes.getIds();
    if (!ids.length) return;
    const positions = this.network.getPositions(ids);
    context.save();
    context.font = 'bold 10px "Noto Sans CJK SC", sans-serif';
    context.textAlign = "center";
    context.textBaseline = "middle";
    for (const id of ids) {
      const node = this.model.nodes.get(id);
      if (!node || node.withheld) continue;
      const remaining = this.model.remaining(id, this.index);
      if (!remaining) continue;
      const style = this.config.node_styles[node.label] || this.config.withheld_style;
      const position = positions[id];
      const x = position.x + style.size * 0.95;
      const y = position.y - style.size * 0.95;
      const text = remaining > 999 ? "999+" : String(remaining);
      const width = Math.max(14, context.measureText(text).width + 8);
      context.fillStyle = "#2f6fb0";
      context.strokeStyle = "#ffffff";
      context.lineWidth = 1.5;
      context.beginPath();
      context.roundRect(x - width / 2, y - 7, width, 14, 7);
      context.fill();
      context.stroke();
      context.fillStyle = "#ffffff";
      context.fillText(text, x, y + 0.5);
    }
    context.restore();
  }

  // --- positions ------------------------------------------------------------------------
  dragged(event) {
    if (!event.nodes.length) return;
    this.handlers.beforeChange();
    const positions = this.network.getPositions(event.nodes);
    for (const [id, position] of Object.entries(positions)) {
      this.model.positions.set(id, { x: Math.round(position.x), y: Math.round(position.y) });
    }
    this.handlers.changed();
  }

  // Put new entities next to ``parentId`` on rings around it (a fan facing away from the
  // middle of the map when there is one), never on top of another entity; without a
  // parent, to the right of what is there.
  place(ids, parentId) {
    const todo = ids.filter((id) => !this.model.positions.has(id));
    if (!todo.length) return;
    const placed = [...this.model.positions.entries()]
      .filter(([id]) => !todo.includes(id)).map(([, p]) => p);
    const free = (x, y) => placed.every((p) => Math.hypot(p.x - x, p.y - y) >= GRID);
    let origin = parentId && this.model.positions.get(parentId);
    let spread = Math.PI * 2;
    let away = 0;
    const others = placed.filter((p) => !origin || p.x !== origin.x || p.y !== origin.y);
    if (!origin) {
      const right = placed.length ? Math.max(...placed.map((p) => p.x)) + FIRST_RING + 80 : 0;
      const middle = placed.length ? placed.reduce((sum, p) => sum + p.y, 0) / placed.length : 0;
      origin = { x: right, y: middle };
    } else if (others.length) {
      const centre = others.reduce((sum, p) => ({ x: sum.x + p.x, y: sum.y + p.y }), { x: 0, y: 0 });
      const cx = centre.x / others.length;
      const cy = centre.y / others.length;
      if (Math.hypot(origin.x - cx, origin.y - cy) > 1) {
        away = Math.atan2(origin.y - cy, origin.x - cx);
        spread = Math.PI * 1.4;
      }
    }
    let index = 0;
    for (let ring = 0; index < todo.length && ring < 40; ring += 1) {
      const radius = FIRST_RING + RING_STEP * ring;
      const capacity = Math.max(6, Math.floor((spread * radius) / SPACING));
      const count = Math.min(capacity, todo.length - index);
      const offset = ring % 2 ? 0.5 : 0;   // stagger rings so names do not line up
      for (let slot = 0; slot < capacity && index < todo.length; slot += 1) {
        const share = spread >= Math.PI * 2 ? (slot + offset) / count
          : (slot + 0.5) / Math.min(capacity, Math.max(count, 1));
        const angle = spread >= Math.PI * 2 ? 2 * Math.PI * share - Math.PI / 2
          : away - spread / 2 + spread * share;
        const x = Math.round(origin.x + radius * Math.cos(angle));
        const y = Math.round(origin.y + radius * Math.sin(angle));
        if (!free(x, y)) continue;
        this.model.positions.set(todo[index], { x, y });
        placed.push({ x, y });
        index += 1;
      }
    }
    for (; index < todo.length; index += 1) {   // a crowded map: beside the rest
      const x = origin.x + FIRST_RING + RING_STEP * 40 + (index % 20) * SPACING;
      this.model.positions.set(todo[index], { x, y: origin.y + Math.floor(index / 20) * 70 });
    }
  }

  // Layers from ``roots`` along the ties (paths read left to right, money trails in date
  // order along the transfers, each holder under its account).
  layered(roots, ids, through = null) {
    const wanted = new Set(ids);
    const layer = new Map(roots.filter((id) => wanted.has(id)).map((id) => [id, 0]));
    const links = new Map();
    const below = new Map();
    for (const edge of this.model.edges.values()) {
      if (!wanted.has(edge.from) || !wanted.has(edge.to)) continue;
      if (through && !through.includes(edge.type)) {
        if (edge.type === "HELD_BY") below.set(edge.to, edge.from);
        continue;
      }
      for (const [a, b] of [[edge.from, edge.to], [edge.to, edge.from]]) {
        if (!links.has(a)) links.set(a, []);
        links.get(a).push(b);
      }
    }
    const queue = [...layer.keys()];
    while (queue.length) {
      const id = queue.shift();
      for (const other of links.get(id) || []) {
        if (!layer.has(other)) {
          layer.set(other, layer.get(id) + 1);
          queue.push(other);
        }
      }
    }
    const base = this.model.positions.size
      ? Math.max(...[...this.model.positions.values()].map((p) => p.x)) + 300 : 0;
    const columns = new Map();
    for (const id of ids) {
      if (!layer.has(id) && below.has(id) && layer.has(below.get(id))) continue;
      const column = layer.has(id) ? layer.get(id) : 0;
      if (!columns.has(column)) columns.set(column, []);
      columns.get(column).push(id);
    }
    // A column of many (25 contracts between the same two entities) wraps into several
    // narrow ones, so the map stays wider than tall.
    const rowHeight = below.size ? 160 : 90;
    const perColumn = 9;
    let x = base;
    for (const column of [...columns.keys()].sort((a, b) => a - b)) {
      const members = columns.get(column).filter((id) => !this.model.positions.has(id));
      const wraps = Math.max(1, Math.ceil(members.length / perColumn));
      const rows = Math.ceil(members.length / wraps);
      members.forEach((id, index) => {
        const wrap = Math.floor(index / rows);
        const row = index % rows;
        this.model.positions.set(id, { x: x + wrap * 120,
                                       y: Math.round((row - (rows - 1) / 2) * rowHeight + (wrap % 2) * rowHeight / 2) });
      });
      x += 200 + (wraps - 1) * 120;
    }
    for (const [holder, account] of below) {
      const spot = this.model.positions.get(account);
      if (spot && !this.model.positions.has(holder)) {
        this.model.positions.set(holder, { x: spot.x, y: spot.y + 78 });
      }
    }
    this.place(ids.filter((id) => !this.model.positions.has(id)), null);
  }

  // A first layout by physics, computed once and then stopped; positions go to the model.
  settle(ids, done) {
    const wanted = ids.filter((id) => !this.model.positions.has(id));
    if (!wanted.length) { done(); return; }
    this.render();
    const anchor = [...this.model.positions.keys()];
    if (anchor.length) this.nodes.update(anchor.map((id) => ({ id, fixed: { x: true, y: true } })));
    this.network.setOptions({ physics: { enabled: true } });
    this.network.stabilize(Math.min(400, 120 + wanted.length * 4));
    const finish = () => {
      this.network.setOptions({ physics: { enabled: false } });
      const positions = this.network.getPositions(wanted);
      for (const id of wanted) {
        const p = positions[id];
        if (p) this.model.positions.set(id, { x: Math.round(p.x), y: Math.round(p.y) });
      }
      if (anchor.length) {
        this.nodes.update(anchor.map((id) => ({
          id, fixed: this.model.pinned.has(id) ? { x: true, y: true } : false })));
      }
      this.signatures.clear();
      done();
    };
    this.network.once("stabilized", finish);
  }

  // Lay out everything again except pinned entities.
  relayout(done) {
    for (const id of [...this.model.positions.keys()]) {
      if (!this.model.pinned.has(id)) this.model.positions.delete(id);
    }
    this.signatures.clear();
    this.nodes.clear();
    this.edges.clear();
    this.settle([...this.model.nodes.keys()], done);
  }

  // --- selection and camera ---------------------------------------------------------------
  selection() {
    return { nodes: this.network.getSelectedNodes(),
             edges: this.network.getSelectedEdges().map((id) => this.collapsed.get(id) ? "node:" + this.collapsed.get(id) : id) };
  }

  select(ids, focus = false) {
    const shown = ids.filter((id) => this.nodes.get(id));
    this.network.setSelection({ nodes: shown, edges: [] }, { unselectAll: true, highlightEdges: false });
    if (focus && shown.length === 1) {
      this.network.focus(shown[0], { scale: Math.max(1, this.network.getScale()), animation: { duration: 300 } });
    }
    this.handlers.select(this.selection());
  }

  fit() {
    this.network.fit({ animation: { duration: 300 } });
  }

  setEdgeLabels(on) {
    this.showEdgeLabels = on;
    this.render();
  }
}
