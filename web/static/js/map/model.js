// What is on the map, apart from how it is drawn: entities and ties (as the server sent
// them), positions, hidden and pinned entities, what each expansion brought, the alert
// evidence, paths and money trails to highlight — and the undo/redo history of all that.
// Filters are view settings, not steps: undo never changes them.

const HISTORY = 40;

export class MapModel {
  constructor() {
    this.clear();
    this.undoStack = [];
    this.redoStack = [];
    this.filters = { labels: new Set(), types: new Set(), at: "", from: "", to: "" };
  }

  clear() {
    this.nodes = new Map();
    this.edges = new Map();
    this.positions = new Map();
    this.hidden = new Set();
    this.pinned = new Set();
    this.parent = new Map();       // entity → the entity whose expansion brought it
    this.received = new Map();     // entity → {tie type: neighbours its pages returned}
    this.more = new Map();         // entity → {tie type: in-scope ties ranked after them}
    this.withheld = new Map();     // entity → {tie type: ties leading out of the scope}
    this.evidence = new Map();     // entity → evidence roles
    this.evidenceEdges = new Set();
    this.pathEdges = new Set();
    this.trailSteps = new Map();   // transfer (node or TRANSFER tie) → step numbers
    this.alert = null;
  }

  // --- history --------------------------------------------------------------------------
  snapshot() {
    return JSON.stringify({
      nodes: [...this.nodes.values()], edges: [...this.edges.values()],
      positions: [...this.positions], hidden: [...this.hidden], pinned: [...this.pinned],
      parent: [...this.parent], received: [...this.received], more: [...this.more],
      withheld: [...this.withheld], evidence: [...this.evidence],
      evidenceEdges: [...this.evidenceEdges], pathEdges: [...this.pathEdges],
      trailSteps: [...this.trailSteps], alert: this.alert,
    });
  }

  restore(text) {
    const data = JSON.parse(text);
    this.nodes = new Map(data.nodes.map((node) => [node.id, node]));
    this.edges = new Map(data.edges.map((edge) => [edge.id, edge]));
    this.positions = new Map(data.positions);
    this.hidden = new Set(data.hidden);
    this.pinned = new Set(data.pinned);
    this.parent = new Map(data.parent);
    this.received = new Map(data.received);
    this.more = new Map(data.more);
    this.withheld = new Map(data.withheld);
    this.evidence = new Map(data.evidence);
    this.evidenceEdges = new Set(data.evidenceEdges);
    this.pathEdges = new Set(data.pathEdges);
    this.trailSteps = new Map(data.trailSteps);
    this.alert = data.alert;
  }

  // Call before every change a user may want to take back.
  record() {
    this.undoStack.push(this.snapshot());
    if (this.undoStack.length > HISTORY) this.undoStack.shift();
    this.redoStack = [];
  }

  undo() {
    if (!this.undoStack.length) return false;
    this.redoStack.push(this.snapshot());
    this.restore(this.undoStack.pop());
    return true;
  }

  redo() {
    if (!this.redoStack.length) return false;
    this.undoStack.push(this.snapshot());
    this.restore(this.redoStack.pop());
    return true;
  }

  // --- content --------------------------------------------------------------------------
  // Add what an answer brought; returns the ids of entities and ties that are new.
  add(nodes, edges, parentId = null) {
    const addedNodes = [];
    const addedEdges = [];
    for (const node of nodes || []) {
      if (!this.nodes.has(node.id)) {
        addedNodes.push(node.id);
        if (parentId && node.id !== parentId) this.parent.set(node.id, parentId);
      }
      this.nodes.set(node.id, { ...(this.nodes.get(node.id) || {}), ...node });
      this.hidden.delete(node.id);
    }
    for (const edge of edges || []) {
      if (!this.nodes.has(edge.from) || !this.nodes.has(edge.to)) continue;
      if (!this.edges.has(edge.id)) addedEdges.push(edge.id);
      this.edges.set(edge.id, { ...(this.edges.get(edge.id) || {}), ...edge });
    }
    return { nodes: addedNodes, edges: addedEdges };
  }

  remove(ids) {
    const gone = new Set(ids);
    for (const id of gone) {
      this.nodes.delete(id);
      this.positions.delete(id);
      this.hidden.delete(id);
      this.pinned.delete(id);
      this.parent.delete(id);
      this.evidence.delete(id);
    }
    for (const [id, edge] of this.edges) {
      if (gone.has(edge.from) || gone.has(edge.to)) this.edges.delete(id);
    }
  }

  // Entities the expansion of ``id`` brought that hang on nothing else: collapsing takes
  // them off again (pinned ones, evidence and what a path or trail needs stay).
  collapsible(id) {
    const degree = this.degrees();
    const out = [];
    for (const [child, parent] of this.parent) {
      if (parent !== id || this.pinned.has(child) || this.evidence.has(child)) continue;
      const ties = degree.get(child) || new Map();
      const others = [...ties.keys()].filter((other) => other !== id);
      const onPath = [...this.pathEdges].some((edgeId) => {
        const edge = this.edges.get(edgeId);
        return edge && (edge.from === child || edge.to === child);
      });
      if (!others.length && !onPath) out.push(child);
    }
    return out;
  }

  // entity → Map(other entity → number of ties between them)
  degrees() {
    const degree = new Map();
    for (const edge of this.edges.values()) {
      for (const [a, b] of [[edge.from, edge.to], [edge.to, edge.from]]) {
        if (!degree.has(a)) degree.set(a, new Map());
        degree.get(a).set(b, (degree.get(a).get(b) || 0) + 1);
      }
    }
    return degree;
  }

  // entity → Map(tie type → ties of that type on the map). Shared identifiers count the
  // entities sharing, as the server's badge counts do.
  tiesOnMap() {
    const index = new Map();
    const sharing = new Map();
    for (const edge of this.edges.values()) {
      for (const [end, other] of [[edge.from, edge.to], [edge.to, edge.from]]) {
        if (edge.type.startsWith("SHARES_")) {
          const key = `${end}|${edge.type}`;
          if (!sharing.has(key)) sharing.set(key, new Set());
          sharing.get(key).add(other);
          continue;
        }
        if (!index.has(end)) index.set(end, new Map());
        const byType = index.get(end);
        byType.set(edge.type, (byType.get(edge.type) || 0) + 1);
      }
    }
    for (const [key, others] of sharing) {
      const [end, type] = key.split("|");
      if (!index.has(end)) index.set(end, new Map());
      index.get(end).set(type, others.size);
    }
    return index;
  }

  // Per tie type: {total (in scope), shown, remaining} for one entity.
  tieCounts(id, index = this.tiesOnMap()) {
    const node = this.nodes.get(id);
    const shown = index.get(id) || new Map();
    const counts = {};
    for (const [type, total] of Object.entries((node && node.ties) || {})) {
      const onMap = shown.get(type) || 0;
      counts[type] = { total, shown: onMap, remaining: Math.max(0, total - onMap) };
    }
    return counts;
  }

  remaining(id, index) {
    return Object.entries(this.tieCounts(id, index))
      .filter(([type]) => !type.startsWith("SHARES_"))
      .reduce((sum, [, count]) => sum + count.remaining, 0);
  }

  note(map, id, type, value) {
    if (!map.has(id)) map.set(id, {});
    map.get(id)[type] = value;
  }

  // --- saved maps ---------------------------------------------------------------------
  // The ``state`` a saved map keeps (docs/map.md): entities by id with their positions,
  // pins and hiding, the filters, the view, what is highlighted and what expansions
  // returned. Placeholders of what lies outside the jurisdiction are never kept.
  toState(view) {
    const kept = this.entityIds();
    const keep = new Set(kept);
    const pick = (map) => Object.fromEntries([...map].filter(([id]) => keep.has(id)));
    return {
      version: 1,
      nodes: kept.map((id) => ({ id, ...(this.positions.get(id) || {}),
                                 pinned: this.pinned.has(id), hidden: this.hidden.has(id) })),
      filters: { labels: [...this.filters.labels], types: [...this.filters.types],
                 at: this.filters.at, from: this.filters.from, to: this.filters.to },
      view: view || {},
      highlight: { alert: this.alert ? this.alert.alert_id : null,
                   evidence: pick(this.evidence),
                   evidence_edges: [...this.evidenceEdges], path_edges: [...this.pathEdges],
                   trail_steps: pick(this.trailSteps) },
      expansions: Object.fromEntries(kept.filter((id) => this.received.has(id)).map((id) => [
        id, { received: this.received.get(id), more: this.more.get(id) || {} }])),
    };
  }

  // The bare keys of the entities on the map (what a saved map lists and a report draws).
  entityKeys() {
    return this.entityIds().map((id) => id.slice(id.indexOf(":") + 1));
  }

  entityIds() {
    return [...this.nodes.keys()].filter((id) => !this.nodes.get(id).withheld);
  }
}
