// Words of the page: the catalog's mapjs.* texts (web/i18n/<lang>/map.yaml), type names
// from the graph model and the data's code words, all passed in by the server (page_config).

export function translator(config) {
  return (key, values = {}) => {
    const text = config.texts["mapjs." + key] ?? key;
    return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
  };
}

export function money(amount) {
  if (typeof amount !== "number") return "";
  return "¥" + Math.round(amount).toLocaleString("en-US");
}

// A code word of the data (shareholder, spouse, subsistence_allowance) in the page's language.
export function word(config, value) {
  const text = String(value);
  return config.words[text] ?? (config.lang === "zh" ? text : text.replace(/_/g, " "));
}

export function roleName(config, role) {
  return config.texts["mapjs.role." + role] ?? role;
}

// ① … ⑳ for the steps of a money trail, (21) beyond.
export function stepMark(n) {
  return n >= 1 && n <= 20 ? String.fromCharCode(0x2460 + n - 1) : `(${n})`;
}

export function shorten(text, max = 16) {
  const value = String(text ?? "");
  return value.length > max ? value.slice(0, max - 1) + "…" : value;
}

// The text on a tie (web/map_render.py tie_caption says the same on the server).
export function tieCaption(config, edge) {
  const props = edge.props || {};
  const parts = [];
  for (const name of ["role", "relation", "title"]) {
    if (props[name]) parts.push(word(config, props[name]));
  }
  if (props.share_pct !== undefined && props.share_pct !== null && props.share_pct !== "") {
    parts.push(`${props.share_pct}%`);
  }
  if (config.hidden_types.includes(edge.type) && props.value) parts.push(String(props.value));
  if (typeof props.amount === "number") parts.push(money(props.amount));
  const start = props.start_date;
  const end = props.end_date;
  if (start || end) {
    if (config.lang === "zh") parts.push(end ? `${start || ""}至${end}` : `${start}起`);
    else parts.push(`${start || ""}–${end || ""}`);
  }
  if (props.date) parts.push(String(props.date));
  return parts.join(" ");
}
