// The map's side panels: type filters with counts, the time filters (a date the ties must
// be valid at; a date range over a histogram of dated entities), the list of entities with
// "select all of a type", and the selection panel with the tie counts and the actions.
// Everything is built with createElement and textContent: data never becomes markup.

import { money, roleName, tieCaption, word } from "./text.js";

const SVG = "http://www.w3.org/2000/svg";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function button(text, onClick, className = "tool small") {
  const node = element("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function swatch(color, shape) {
  const node = element("span", `swatch ${shape || ""}`);
  node.style.background = color;
  return node;
}

export class Panels {
  constructor(app) {
    this.app = app;
    this.config = app.config;
    this.t = app.t;
    this.bins = [];
    this.byId = (id) => document.getElementById(id);
    this.byId("map-valid-at").addEventListener("change", (event) => {
      app.model.filters.at = event.target.value;
      app.refresh();
    });
    for (const id of ["map-range-from", "map-range-to"]) {
      this.byId(id).addEventListener("input", () => this.rangeChanged());
    }
    this.byId("map-list-filter").addEventListener("input", () => this.renderList());
    this.byId("map-list-type").addEventListener("change", () => this.renderList());
    this.byId("map-select-type").addEventListener("click", () => this.selectType());
    const types = this.byId("map-path-types");
    for (const type of this.config.tie_types.filter((t) => t !== "EVIDENCE")) {
      const label = element("label");
      const box = element("input");
      box.type = "checkbox";
      box.name = "types";
      box.value = type;
      label.append(box, document.createTextNode(this.config.ties[type] || type));
      types.appendChild(label);
    }
  }

  render() {
    this.renderTypes();
    this.renderHistogram();
    this.renderList();
  }

  // --- types ----------------------------------------------------------------------------
  renderTypes() {
    const model = this.app.model;
    const view = this.app.view;
    const nodeCounts = new Map();
    for (const node of model.nodes.values()) {
      const entry = nodeCounts.get(node.label) || { total: 0, shown: 0 };
      entry.total += 1;
      if (view.visible && (view.visible.has(node.id) || view.collapsed.has("via:" + node.id))) entry.shown += 1;
      nodeCounts.set(node.label, entry);
    }
    const list = this.byId("map-node-types");
    list.replaceChildren();
    for (const [label, style] of Object.entries(this.config.node_styles)) {
      const count = nodeCounts.get(label);
      const item = element("li", count ? "" : "absent");
      const labelNode = element("label");
      const box = element("input");
      box.type = "checkbox";
      box.checked = !model.filters.labels.has(label);
      box.dataset.label = label;
      box.addEventListener("change", () => {
        if (box.checked) model.filters.labels.delete(label); else model.filters.labels.add(label);
        this.app.refresh();
      });
      labelNode.append(box, swatch(style.color, style.shape),
                       document.createTextNode(this.config.labels[label] || label));
      item.append(labelNode, element("span", "n", count ? this.t("count_of", count) : ""));
      list.appendChild(item);
    }
    const tieCounts = new Map();
    for (const edge of model.edges.values()) tieCounts.set(edge.type, (tieCounts.get(edge.type) || 0) + 1);
    const ties = this.byId("map-tie-types");
    ties.replaceChildren();
    for (const type of [...this.config.tie_types, ...this.config.hidden_types, "TRANSFER"]) {
      const count = tieCounts.get(type);
      const style = this.config.tie_styles[type] || { color: "#7a828e" };
      const item = element("li", count ? "" : "absent");
      const labelNode = element("label");
      const box = element("input");
      box.type = "checkbox";
      box.checked = !model.filters.types.has(type);
      box.dataset.type = type;
      box.addEventListener("change", () => {
        if (box.checked) model.filters.types.delete(type); else model.filters.types.add(type);
        this.app.refresh();
      });
      const line = swatch(style.color, `line${style.dashes ? " dashed" : ""}`);
      line.style.color = style.color;
      labelNode.append(box, line, document.createTextNode(this.config.ties[type] || type));
      item.append(labelNode, element("span", "n", count || ""));
      ties.appendChild(item);
    }
  }

  // --- time -----------------------------------------------------------------------------
  dates() {
    const days = [];
    for (const node of this.app.model.nodes.values()) if (node.date) days.push(String(node.date).slice(0, 10));
    for (const edge of this.app.model.edges.values()) {
      if (edge.type === "TRANSFER" && edge.props && edge.props.date) days.push(String(edge.props.date).slice(0, 10));
    }
    return days.sort();
  }

  // Bins by month (by year when the dates span more than five years).
  renderHistogram() {
    const days = this.dates();
    const box = this.byId("map-histogram");
    box.replaceChildren();
    const from = this.byId("map-range-from");
    const to = this.byId("map-range-to");
    from.parentElement.hidden = !days.length;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 200 54");
    svg.setAttribute("preserveAspectRatio", "none");
    box.appendChild(svg);
    if (!days.length) {
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", "4");
      text.setAttribute("y", "30");
      text.setAttribute("class", "empty");
      text.textContent = this.t("histogram_empty");
      svg.appendChild(text);
      from.max = to.max = "0";
      this.bins = [];
      this.byId("map-range-text").textContent = "";
      return;
    }
    const first = days[0];
    const last = days[days.length - 1];
    const byYear = Number(last.slice(0, 4)) - Number(first.slice(0, 4)) > 5;
    const key = (day) => (byYear ? day.slice(0, 4) : day.slice(0, 7));
    const bins = [];
    let year = Number(first.slice(0, 4));
    let month = Number(first.slice(5, 7));
    while (true) {
      const label = byYear ? String(year) : `${year}-${String(month).padStart(2, "0")}`;
      bins.push({ label, count: 0 });
      if (label >= key(last)) break;
      if (byYear) year += 1;
      else { month += 1; if (month > 12) { month = 1; year += 1; } }
    }
    const position = new Map(bins.map((bin, index) => [bin.label, index]));
    for (const day of days) bins[position.get(key(day))].count += 1;
    const previous = this.bins.map((bin) => bin.label).join();
    this.bins = bins;
    this.byYear = byYear;
    if (previous !== bins.map((bin) => bin.label).join()) {
      from.max = to.max = String(bins.length - 1);
      from.value = "0";
      to.value = String(bins.length - 1);
    }
    const highest = Math.max(...bins.map((bin) => bin.count));
    const width = 200 / bins.length;
    const low = Number(from.value);
    const high = Number(to.value);
    bins.forEach((bin, index) => {
      const height = bin.count ? Math.max(2, (bin.count / highest) * 50) : 0;
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", String(index * width + 0.5));
      bar.setAttribute("width", String(Math.max(0.6, width - 1)));
      bar.setAttribute("y", String(54 - height));
      bar.setAttribute("height", String(height));
      bar.setAttribute("class", index >= low && index <= high ? "bar in" : "bar");
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${bin.label}: ${bin.count}`;
      bar.appendChild(title);
      svg.appendChild(bar);
    });
    this.rangeText();
  }

  rangeChanged() {
    const from = this.byId("map-range-from");
    const to = this.byId("map-range-to");
    if (Number(from.value) > Number(to.value)) [from.value, to.value] = [to.value, from.value];
    const filters = this.app.model.filters;
    const whole = Number(from.value) === 0 && Number(to.value) === this.bins.length - 1;
    if (whole || !this.bins.length) {
      filters.from = "";
      filters.to = "";
    } else {
      const start = this.bins[Number(from.value)].label;
      const end = this.bins[Number(to.value)].label;
      filters.from = this.byYear ? `${start}-01-01` : `${start}-01`;
      filters.to = this.byYear ? `${end}-12-31` : `${end}-31`;
    }
    this.app.refresh();
  }

  // Set the range from outside (tests and saved maps): days as YYYY-MM-DD.
  setRange(from, to) {
    const find = (day, last) => {
      const key = this.byYear ? day.slice(0, 4) : day.slice(0, 7);
      const index = this.bins.findIndex((bin) => bin.label === key);
      return index >= 0 ? index : (last ? this.bins.length - 1 : 0);
    };
    this.byId("map-range-from").value = String(find(from, false));
    this.byId("map-range-to").value = String(find(to, true));
    this.rangeChanged();
  }

  rangeText() {
    const filters = this.app.model.filters;
    const text = this.byId("map-range-text");
    if (!filters.from && !filters.to) {
      text.textContent = this.bins.length ? `${this.t("range_all")}（${this.bins[0].label} – ${this.bins[this.bins.length - 1].label}）` : "";
      return;
    }
    text.textContent = `${filters.from.slice(0, this.byYear ? 4 : 7)} – ${filters.to.slice(0, this.byYear ? 4 : 7)}`;
  }

  // --- entity list ----------------------------------------------------------------------
  renderList() {
    const model = this.app.model;
    const view = this.app.view;
    const typeSelect = this.byId("map-list-type");
    const present = new Set([...model.nodes.values()].map((node) => node.label));
    const current = typeSelect.value;
    typeSelect.replaceChildren(element("option", "", this.byId("map-list-type").dataset.all || ""));
    typeSelect.firstChild.value = "";
    typeSelect.firstChild.textContent = this.app.allTypesText;
    for (const label of Object.keys(this.config.node_styles)) {
      if (!present.has(label)) continue;
      const option = element("option", "", this.config.labels[label] || label);
      option.value = label;
      typeSelect.appendChild(option);
    }
    typeSelect.value = present.has(current) ? current : "";
    const text = this.byId("map-list-filter").value.trim().toLowerCase();
    const type = typeSelect.value;
    const selected = new Set(view.selection().nodes);
    const order = Object.keys(this.config.node_styles);
    const nodes = [...model.nodes.values()]
      .filter((node) => !type || node.label === type)
      .filter((node) => !text || String(node.name || "").toLowerCase().includes(text)
              || String(node.key || "").toLowerCase().includes(text))
      .sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label)
            || String(a.name || a.key || "").localeCompare(String(b.name || b.key || ""), "zh"));
    const list = this.byId("map-list");
    list.replaceChildren();
    for (const node of nodes) {
      const shown = view.visible && (view.visible.has(node.id) || view.collapsed.has("via:" + node.id));
      const item = element("li", [selected.has(node.id) ? "selected" : "",
                                  model.hidden.has(node.id) ? "is-hidden" : (!shown ? "is-filtered" : "")].join(" "));
      item.tabIndex = 0;
      item.dataset.id = node.id;
      const style = node.withheld ? this.config.withheld_style : this.config.node_styles[node.label];
      const name = node.withheld ? this.t("withheld_node", { label: this.config.labels[node.label] })
        : (node.label === "Transaction" ? `${money(node.amount)} ${node.date || ""}` : (node.name || node.key));
      item.append(swatch(style.color, style.shape), element("span", "name", name));
      if (node.alerted) item.appendChild(element("span", "flag", "●"));
      if (model.hidden.has(node.id)) {
        item.appendChild(button(this.t("show"), (event) => {
          event.stopPropagation();
          this.app.act(() => model.hidden.delete(node.id));
        }));
      }
      const pick = (event) => this.app.pick(node.id, event.ctrlKey || event.metaKey || event.shiftKey);
      item.addEventListener("click", pick);
      item.addEventListener("keydown", (event) => { if (event.key === "Enter") pick(event); });
      list.appendChild(item);
    }
    this.byId("map-count").textContent = `(${model.nodes.size})`;
  }

  selectType() {
    const type = this.byId("map-list-type").value;
    const view = this.app.view;
    const ids = [...this.app.model.nodes.values()]
      .filter((node) => (!type || node.label === type) && view.nodes.get(node.id))
      .map((node) => node.id);
    view.select(ids);
  }

  // --- selection ------------------------------------------------------------------------
  renderSelection(selection) {
    const box = this.byId("map-selection");
    box.replaceChildren();
    box.className = "selection";
    const model = this.app.model;
    if (selection.nodes.length > 1) {
      box.appendChild(element("p", "", this.t("selected_count", { n: selection.nodes.length })));
      const names = element("ul", "tie-counts");
      for (const id of selection.nodes.slice(0, 12)) {
        const node = model.nodes.get(id);
        names.appendChild(element("li", "", node ? (node.name || node.key || id) : id));
      }
      box.appendChild(names);
      const actions = element("div", "actions");
      actions.append(button(this.t("hide"), () => this.app.act(() => selection.nodes.forEach((id) => model.hidden.add(id)))),
                     button(this.t("remove"), () => this.app.act(() => model.remove(selection.nodes))));
      box.appendChild(actions);
      return;
    }
    if (selection.nodes.length === 1) {
      this.renderNode(box, model.nodes.get(selection.nodes[0]));
      return;
    }
    if (selection.edges.length === 1) {
      const id = selection.edges[0];
      if (id.startsWith("node:")) this.renderNode(box, model.nodes.get(id.slice(5)));
      else this.renderEdge(box, model.edges.get(id));
      return;
    }
    box.appendChild(element("p", "muted", this.app.nothingSelectedText));
  }

  renderNode(box, node) {
    if (!node) return;
    const config = this.config;
    const head = element("div", "selection-head");
    const type = element("span", "type", config.labels[node.label] || node.label);
    type.style.background = (node.withheld ? config.withheld_style : config.node_styles[node.label]).color;
    const title = node.withheld ? this.t("withheld_node", { label: config.labels[node.label] })
      : (node.label === "Transaction" ? `${money(node.amount)} ${node.date || ""}` : (node.name || node.key));
    head.append(type, element("span", "title", title));
    box.appendChild(head);
    if (node.withheld) {
      box.appendChild(element("p", "note-withheld", this.t("withheld_note")));
      return;
    }
    const facts = element("dl", "facts");
    const add = (name, value) => {
      if (value === undefined || value === null || value === "") return;
      facts.append(element("dt", "", name), element("dd", "", value));
    };
    add(this.t("key"), node.key);
    if (node.date) add(this.t("date"), node.date);
    if (typeof node.amount === "number") add(this.t("amount"), money(node.amount));
    const fields = config.fields[node.label] || {};
    const skip = new Set(["name", "title", "amount", "date", "signed_date", "submitted_date",
                          "bid_amount", "summary_zh", "summary_en", "entity_ids", "unit_ids",
                          this.keyProperty(node)]);
    if (node.label === "Alert") {
      add(fields.summary_zh || "", node.facts[config.lang === "zh" ? "summary_zh" : "summary_en"]);
    }
    for (const [name, value] of Object.entries(node.facts || {})) {
      if (skip.has(name) || String(value).length > 160) continue;
      add(fields[name] || name, this.value(value));
    }
    const source = node.provenance || {};
    if (source.file) add(this.t("source"), this.t("source_value", source));
    if (source.run) add(this.t("load_run"), source.run);
    const roles = this.app.model.evidence.get(node.id);
    if (roles && roles.length) add(this.t("evidence_roles"), roles.map((role) => roleName(config, role)).join("、"));
    box.appendChild(facts);
    if (node.alerted) box.appendChild(element("p", "flag-alert", "● " + this.t("alerted")));
    box.appendChild(element("h3", "", this.t("ties_title")));
    const counts = this.app.model.tieCounts(node.id);
    const list = element("ul", "tie-counts");
    const more = this.app.model.more.get(node.id) || {};
    const types = Object.keys(counts).filter((type) => counts[type].total > 0);
    if (!types.length && !Object.keys(node.outside || {}).length) list.appendChild(element("li", "muted", this.t("no_ties")));
    for (const type of types) {
      const count = counts[type];
      const item = element("li", "tie-row");
      item.dataset.type = type;
      const badge = element("span", count.remaining ? "remaining" : "remaining zero", count.remaining);
      badge.dataset.remaining = String(count.remaining);
      item.append(badge, element("span", "what", this.t("ties_row", { type: config.ties[type] || type, total: count.total, shown: count.shown })));
      if (count.remaining) {
        const received = (this.app.model.received.get(node.id) || {})[type] || 0;
        const next = more[type];
        if (next && received) {
          item.appendChild(button(this.t("more_button", { n: next }), () => this.app.expand(node.id, [type], received)));
        } else {
          item.appendChild(button(this.t("expand_type"), () => this.app.expand(node.id, [type], 0)));
        }
      }
      list.appendChild(item);
    }
    const outside = Object.values(node.outside || {}).reduce((sum, n) => sum + n, 0);
    if (outside) {
      const item = element("li", "withheld-row", this.t("withheld_row", { n: outside }));
      item.dataset.withheld = String(outside);
      list.appendChild(item);
    }
    box.appendChild(list);
    const actions = element("div", "actions");
    const model = this.app.model;
    actions.append(
      button(this.t("expand_all"), () => this.app.expand(node.id, null, 0)),
      button(this.t("collapse"), () => this.app.act(() => model.remove(model.collapsible(node.id)))),
      button(this.t("hide"), () => this.app.act(() => model.hidden.add(node.id))),
      button(model.pinned.has(node.id) ? this.t("unpin") : this.t("pin"), () => this.app.act(() => {
        if (model.pinned.has(node.id)) model.pinned.delete(node.id); else model.pinned.add(node.id);
      })),
      button(this.t("remove"), () => this.app.act(() => model.remove([node.id]))),
    );
    box.appendChild(actions);
  }

  // A property's value as read: lists joined, times to the minute, codes in words.
  value(value) {
    if (Array.isArray(value)) return value.map((item) => this.value(item)).join("、");
    const text = String(value);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return text.slice(0, 16).replace("T", " ");
    return this.config.texts["mapjs.value." + text] ?? word(this.config, text);
  }

  keyProperty(node) {
    return Object.entries(node.facts || {}).find(([, value]) => value === node.key)?.[0];
  }

  renderEdge(box, edge) {
    if (!edge) return;
    const config = this.config;
    const model = this.app.model;
    const head = element("div", "selection-head");
    const type = element("span", "type", config.ties[edge.type] || edge.type);
    type.style.background = (config.tie_styles[edge.type] || { color: "#7a828e" }).color;
    head.append(type, element("span", "title", tieCaption(config, edge)));
    box.appendChild(head);
    const facts = element("dl", "facts");
    const name = (id) => {
      const node = model.nodes.get(id);
      if (!node) return id;
      return node.withheld ? this.t("withheld_node", { label: config.labels[node.label] }) : (node.name || node.key);
    };
    facts.append(element("dt", "", this.t("tie_from")), element("dd", "", name(edge.from)),
                 element("dt", "", this.t("tie_to")), element("dd", "", name(edge.to)));
    const names = config.tie_fields[edge.type] || {};
    for (const [key, value] of Object.entries(edge.props || {})) {
      const shown = key === "role" && edge.type === "EVIDENCE" ? roleName(config, value) : this.value(value);
      facts.append(element("dt", "", names[key] || this.t(key) || key), element("dd", "", shown));
    }
    const source = edge.provenance || {};
    if (source.file) facts.append(element("dt", "", this.t("source")), element("dd", "", this.t("source_value", source)));
    box.appendChild(facts);
  }
}
