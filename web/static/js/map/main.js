// The relationship map page: what opened it (/map?key=…, ?alert=…, ?path=a,b, ?trail=…,
// ?saved=…), the user's actions (expand, "+N more", collapse, hide, pin, remove, paths,
// money trails, hidden ties, undo/redo), the exports and saving (saving.js). Reads go to /api/v1/map (scoped and audited on
// the server); this file only arranges what comes back.

import { getJson, postJson } from "./api.js";
import { exportMap } from "./exports.js";
import { MapModel } from "./model.js";
import { Panels } from "./panel.js";
import { Saving } from "./saving.js";
import { translator } from "./text.js";
import { MapView } from "./view.js";

class MapApp {
  constructor(root) {
    this.config = JSON.parse(root.dataset.config);
    this.entry = JSON.parse(root.dataset.entry || "{}");
    this.t = translator(this.config);
    this.status = document.getElementById("map-status");
    this.empty = document.getElementById("map-empty");
    this.allTypesText = document.querySelector("#map-list-type option").textContent;
    this.nothingSelectedText = document.querySelector("#map-selection p").textContent;
    this.model = new MapModel();
    this.busy = 0;
    this.view = new MapView(document.getElementById("map-canvas"), this.model, this.config, this.t, {
      select: (selection) => this.panels && this.selected(selection),
      expand: (id) => this.expand(id, null, 0),
      beforeChange: () => this.model.record(),
      changed: () => this.refresh(),
    });
    this.panels = new Panels(this);
    this.saving = new Saving(this);
    this.wire();
  }

  wire() {
    const on = (id, event, handler) => document.getElementById(id).addEventListener(event, handler);
    on("map-open", "submit", (event) => {
      event.preventDefault();
      const input = document.getElementById("map-open-key");
      const keys = input.value.split(/[\s,，;；]+/).filter(Boolean);
      if (keys.length) this.open(keys, keys.length === 1);
      input.value = "";
    });
    on("map-undo", "click", () => this.undo());
    on("map-redo", "click", () => this.redo());
    on("map-fit", "click", () => this.view.fit());
    on("map-relayout", "click", () => {
      this.model.record();
      this.view.relayout(() => this.refresh());
    });
    on("map-edge-labels", "change", (event) => this.view.setEdgeLabels(event.target.checked));
    on("map-hidden", "click", () => this.hiddenTies());
    on("map-paths", "submit", (event) => {
      event.preventDefault();
      this.paths(event.submitter && event.submitter.value === "all", new FormData(event.target));
    });
    on("map-trail", "submit", (event) => {
      event.preventDefault();
      this.trail(new FormData(event.target));
    });
    for (const node of document.querySelectorAll("[data-export]")) {
      node.addEventListener("click", () => this.run(() => exportMap(this, node.dataset.export)));
    }
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, textarea, select")) return;
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
        event.preventDefault();
        if (event.shiftKey) this.redo(); else this.undo();
      } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "y") {
        event.preventDefault();
        this.redo();
      } else if (event.key === "Delete") {
        const ids = this.view.selection().nodes;
        if (ids.length) this.act(() => this.model.remove(ids));
      }
    });
  }

  // --- messages -------------------------------------------------------------------------
  say(text, kind = "", action = null) {
    const line = document.createElement("div");
    line.className = `message ${kind}`;
    line.textContent = text;
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "tool small";
      button.textContent = action.text;
      button.addEventListener("click", action.run);
      line.appendChild(button);
    }
    this.status.appendChild(line);
    while (this.status.children.length > 4) this.status.firstChild.remove();
    setTimeout(() => line.remove(), kind === "error" ? 20000 : 12000);
    return line;
  }

  clearMessages() {
    this.status.replaceChildren();
  }

  async run(task) {
    this.busy += 1;
    document.body.classList.add("map-busy");
    try {
      return await task();
    } catch (error) {
      this.say(error.status === 404 ? this.t("not_found", { key: error.key || "" }).replace(/[:：]\s*$/, "")
        : this.t("failed", { message: error.message }), "error");
      return null;
    } finally {
      this.busy -= 1;
      if (!this.busy) document.body.classList.remove("map-busy");
    }
  }

  // --- changes --------------------------------------------------------------------------
  refresh() {
    this.view.render();
    this.panels.render();
    this.selected(this.view.selection());
    this.empty.classList.toggle("gone", this.model.nodes.size > 0);
  }

  act(change) {
    this.model.record();
    change();
    this.refresh();
  }

  undo() {
    if (this.model.undo()) this.refresh(); else this.say(this.t("undo_empty"));
  }

  redo() {
    if (this.model.redo()) this.refresh(); else this.say(this.t("redo_empty"));
  }

  selected(selection) {
    this.panels.renderSelection(selection);
    for (const item of document.querySelectorAll("#map-list li")) {
      item.classList.toggle("selected", selection.nodes.includes(item.dataset.id));
    }
  }

  pick(id, add) {
    const current = this.view.selection().nodes;
    const ids = add ? (current.includes(id) ? current.filter((x) => x !== id) : [...current, id]) : [id];
    this.view.select(ids, !add);
  }

  fits(count) {
    if (this.model.nodes.size + count <= this.config.max_nodes) return true;
    this.say(this.t("too_many", { n: this.config.max_nodes }), "warn");
    return false;
  }

  // Add an answer's entities and ties, lay the new ones out, redraw.
  merge(answer, { parent = null, layout = "place", roots = [], through = null } = {}) {
    const firstOnes = this.model.nodes.size === 0;
    const added = this.model.add(answer.nodes, answer.edges, parent);
    const finish = () => {
      this.refresh();
      if (firstOnes || layout !== "place") this.view.fit();
    };
    if (layout === "layered") {
      this.view.layered(roots, added.nodes, through);
      finish();
    } else if (layout === "physics" || (firstOnes && added.nodes.length > 1 && !parent)) {
      this.view.settle(added.nodes, finish);
    } else {
      if (parent && !this.model.positions.has(parent)) this.model.positions.set(parent, { x: 0, y: 0 });
      this.view.place(added.nodes, parent);
      finish();
    }
    return added;
  }

  // --- reads ----------------------------------------------------------------------------
  async open(keys, expandFirst) {
    await this.run(async () => {
      const answer = await postJson("/api/v1/map/graph", { ids: keys });
      if (!answer.nodes.length) {
        this.say(this.t("not_found", { key: keys.join("、") }), "warn");
        return;
      }
      this.model.record();
      const added = this.merge(answer, { layout: answer.nodes.length > 1 ? "physics" : "place" });
      if (answer.missing) this.say(this.t("missing", { n: answer.missing }), "warn");
      if (expandFirst && answer.nodes.length === 1) {
        await this.expand(answer.nodes[0].id, null, 0, false);
      } else {
        this.say(this.t("added", { nodes: added.nodes.length, edges: added.edges.length }));
      }
      this.view.select([answer.nodes[0].id]);
    });
  }

  async expand(id, types, offset, record = true) {
    const node = this.model.nodes.get(id);
    if (!node || node.withheld) return;
    if (!this.fits(1)) return;
    await this.run(async () => {
      const answer = await postJson("/api/v1/map/expand", {
        id, types, offset, limit: this.config.expand_limit, on_map: this.model.entityIds() });
      if (record) this.model.record();
      const model = this.model;
      // The entity's counts as read now (shared identifiers only when asked for: keep the
      // ones read before).
      model.nodes.set(id, { ...node, ...answer.entity,
                            ties: { ...(node.ties || {}), ...answer.entity.ties },
                            outside: { ...(node.outside || {}), ...answer.entity.outside } });
      for (const [type, count] of Object.entries(answer.counts)) {
        const before = types ? ((model.received.get(id) || {})[type] || 0) : 0;
        model.note(model.received, id, type, (types ? offset : before) + count.returned);
        model.note(model.more, id, type, answer.more[type]);
      }
      const added = this.merge({ nodes: answer.nodes, edges: answer.edges }, { parent: id });
      this.report(answer, added, id);
      this.view.select([id]);
    });
  }

  report(answer, added, id) {
    this.say(added.nodes.length || added.edges.length
      ? this.t("added", { nodes: added.nodes.length, edges: added.edges.length }) : this.t("nothing_new"));
    const withheld = Object.values(answer.counts).reduce((sum, count) => sum + count.withheld, 0);
    if (withheld) this.say(this.t("withheld", { n: withheld }), "warn");
    for (const [type, left] of Object.entries(answer.more)) {
      if (!left) continue;
      const received = (this.model.received.get(id) || {})[type] || 0;
      const text = this.t("more", { type: this.config.ties[type] || type, n: left });
      if (!answer.reachable) this.say(`${text}。${this.t("beyond_reach", { n: this.config.max_reach })}`, "warn");
      else this.say(text, "", { text: this.t("more_button", { n: Math.min(left, this.config.expand_limit) }),
                               run: () => this.expand(id, [type], received) });
    }
  }

  async alert(alertId) {
    await this.run(async () => {
      const answer = await getJson(`/api/v1/map/alert/${encodeURIComponent(alertId)}`);
      this.model.record();
      const model = this.model;
      model.alert = answer.alert;
      for (const [id, roles] of Object.entries(answer.evidence.nodes)) model.evidence.set(id, roles);
      answer.evidence.edges.forEach((edgeId) => model.evidenceEdges.add(edgeId));
      for (const edge of answer.edges) if (edge.evidence) model.evidenceEdges.add(edge.id);
      this.merge(answer, { layout: "physics" });
      const summary = this.config.lang === "zh" ? answer.alert.summary_zh : answer.alert.summary_en;
      this.say(this.t("alert_map", { summary: summary || answer.alert.alert_id }));
      if (answer.withheld) this.say(this.t("evidence_withheld", { n: answer.withheld }), "warn");
      this.view.select([`Alert:${answer.alert.alert_id}`]);
    });
  }

  async paths(every, form) {
    const selected = this.view.selection().nodes.filter((id) => !this.model.nodes.get(id)?.withheld);
    if (selected.length !== 2) {
      this.say(this.t("path_need_two"), "warn");
      return;
    }
    await this.findPaths(selected[0], selected[1], {
      every, max_hops: Number(form.get("hops") || 4), at: form.get("at") || null,
      types: form.getAll("types").length ? form.getAll("types") : null });
  }

  async findPaths(a, b, options) {
    await this.run(async () => {
      const answer = await postJson("/api/v1/map/paths", { a, b, ...options });
      if (!answer.paths.length) {
        this.say(this.t("no_path", { hops: options.max_hops || 4 }), "warn");
        return;
      }
      this.model.record();
      this.model.pathEdges = new Set(answer.paths.flat());
      const starts = answer.nodes.filter((node) => node.id === a || node.id.endsWith(":" + a)).map((n) => n.id);
      this.merge(answer, { layout: "layered", roots: starts.length ? starts : [answer.nodes[0].id] });
      this.say(this.t("paths_found", { n: answer.paths.length }));
      if (answer.withheld) this.say(this.t("path_withheld", { n: answer.withheld }), "warn");
    });
  }

  async trail(form) {
    const selected = this.view.selection().nodes.filter((id) => !this.model.nodes.get(id)?.withheld);
    if (selected.length !== 1) {
      this.say(this.t("trail_need_one"), "warn");
      return;
    }
    await this.followMoney(selected[0], {
      target: form.get("target") || null, start: form.get("start") || null,
      window_days: Number(form.get("window")) || null, min_amount: Number(form.get("min") || 0),
      max_transfers: Number(form.get("steps") || 3) });
  }

  async followMoney(source, options) {
    await this.run(async () => {
      const answer = await postJson("/api/v1/map/trail", { source, ...options });
      if (!answer.trails.length) {
        this.say(this.t("no_trail"), "warn");
        return;
      }
      this.model.record();
      const steps = this.model.trailSteps;
      steps.clear();
      for (const trail of answer.trails) {
        for (const step of trail) {
          const known = steps.get(step.id) || [];
          if (!known.includes(step.step)) steps.set(step.id, [...known, step.step].sort());
        }
      }
      const firsts = answer.trails.map((trail) => trail[0].id);
      const roots = answer.edges.filter((edge) => edge.type === "PAID" && firsts.includes(edge.to)).map((edge) => edge.from);
      const origin = answer.nodes.find((node) => node.id === source || node.id.endsWith(":" + source));
      this.merge(answer, { layout: "layered",
                           roots: roots.length ? roots : [origin ? origin.id : answer.nodes[0].id],
                           through: ["PAID", "PAID_TO", "TRANSFER"] });
      this.say(this.t("trails_found", { n: answer.trails.length }));
      if (answer.withheld) this.say(this.t("trail_withheld", { n: answer.withheld }), "warn");
    });
  }

  async hiddenTies() {
    const ids = this.model.entityIds();
    if (ids.length < 2) {
      this.say(this.t("hidden_none"));
      return;
    }
    await this.run(async () => {
      const answer = await postJson("/api/v1/map/hidden", { ids });
      this.model.record();
      const added = this.model.add([], answer.edges);
      this.refresh();
      this.say(added.edges.length ? this.t("hidden_found", { n: answer.edges.length }) : this.t("hidden_none"));
    });
  }

  // --- saved maps -----------------------------------------------------------------------
  state() {
    const network = this.view.network;
    const position = network.getViewPosition();
    return this.model.toState({ x: position.x, y: position.y, scale: network.getScale(),
                                edge_labels: this.view.showEdgeLabels });
  }

  // Draw a saved state again: every entity and tie re-read now, in this user's
  // jurisdiction (what is gone or not theirs is counted, never shown from the copy), then
  // the saved positions, pins, hiding, filters, highlights and view.
  async reopen(state) {
    const ids = (state.nodes || []).map((node) => node.id).filter((id) => !id.startsWith("withheld:"));
    if (!ids.length) return;
    await this.run(async () => {
      const answer = await postJson("/api/v1/map/graph", { ids });
      const model = this.model;
      model.record();
      model.clear();
      for (const node of state.nodes) {
        if (typeof node.x === "number") model.positions.set(node.id, { x: node.x, y: node.y });
      }
      model.add(answer.nodes, answer.edges);
      for (const node of state.nodes) {
        if (!model.nodes.has(node.id)) { model.positions.delete(node.id); continue; }
        if (node.pinned) model.pinned.add(node.id);
        if (node.hidden) model.hidden.add(node.id);
      }
      const highlight = state.highlight || {};
      for (const [id, roles] of Object.entries(highlight.evidence || {})) {
        if (model.nodes.has(id)) model.evidence.set(id, roles);
      }
      model.evidenceEdges = new Set(highlight.evidence_edges || []);
      model.pathEdges = new Set(highlight.path_edges || []);
      model.trailSteps = new Map(Object.entries(highlight.trail_steps || {}));
      model.alert = highlight.alert ? { alert_id: highlight.alert } : null;
      for (const [id, expansion] of Object.entries(state.expansions || {})) {
        if (!model.nodes.has(id)) continue;
        model.received.set(id, expansion.received || {});
        model.more.set(id, expansion.more || {});
      }
      const filters = state.filters || {};
      model.filters.labels = new Set(filters.labels || []);
      model.filters.types = new Set(filters.types || []);
      model.filters.at = filters.at || "";
      document.getElementById("map-valid-at").value = model.filters.at;
      this.view.place([...model.nodes.keys()], null);
      const view = state.view || {};
      if (view.edge_labels === false) {
        document.getElementById("map-edge-labels").checked = false;
        this.view.showEdgeLabels = false;
      }
      this.refresh();
      if (filters.from || filters.to) this.panels.setRange(filters.from || "0000", filters.to || "9999");
      if (typeof view.scale === "number") {
        this.view.network.moveTo({ position: { x: view.x, y: view.y }, scale: view.scale });
      } else {
        this.view.fit();
      }
      if (answer.missing) this.say(this.t("missing", { n: answer.missing }), "warn");
    });
  }

  // What opened the page.
  async start() {
    const entry = this.entry;
    this.refresh();
    if (entry.kind === "saved") await this.saving.open(entry.map_id);
    else if (entry.kind === "keys") await this.open(entry.keys, entry.keys.length === 1);
    else if (entry.kind === "alert") await this.alert(entry.alert);
    else if (entry.kind === "path" && entry.ends.length === 2) {
      await this.findPaths(entry.ends[0], entry.ends[1], {
        every: entry.every, max_hops: Number(entry.hops) || 4, at: entry.at || null,
        types: entry.types.length ? entry.types : null });
    } else if (entry.kind === "trail") {
      await this.followMoney(entry.source, {
        target: entry.target || null, start: entry.start || null,
        window_days: entry.window ? Number(entry.window) : 90,
        min_amount: entry.min ? Number(entry.min) : 0, max_transfers: entry.steps ? Number(entry.steps) : 3 });
    }
    document.getElementById("map-app").dataset.ready = "true";
  }
}

const root = document.getElementById("map-app");
const app = new MapApp(root);
window.lianjianMap = app;   // for the browser tests and the frame-time measurement
app.start();
