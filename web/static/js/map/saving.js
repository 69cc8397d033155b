// Saved maps (关系图存档): "保存到案件" saves what the map shows (window.lianjianMap.state())
// as a new map or a new version of one's own, into a case or not, through /api/v1/maps;
// /map?saved=<id> draws a saved map again (every entity re-read in this user's
// jurisdiction by reopen). The server takes the entity keys from the state itself.

import { getJson, postJson } from "./api.js";

export class Saving {
  constructor(app) {
    this.app = app;
    this.t = app.t;
    this.saved = null;            // the saved map open now: {map_id, title, version, mine}
    this.heading = document.getElementById("map-saved-title");
    this.dialog = document.getElementById("map-save-dialog");
    if (!this.dialog) return;     // no cases.work: no button, no dialog
    this.form = document.getElementById("map-save-form");
    this.title = document.getElementById("map-save-title");
    this.cases = document.getElementById("map-save-case");
    this.noCase = this.cases.querySelector("option");
    this.error = document.getElementById("map-save-error");
    this.versionRow = document.getElementById("map-save-version-row");
    this.version = document.getElementById("map-save-version");
    document.getElementById("map-save").addEventListener("click", () => this.ask());
    document.getElementById("map-save-cancel").addEventListener("click", () => this.dialog.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  // The dialog, with the cases this user may add a map to (read when it opens).
  async ask() {
    if (!this.app.model.entityIds().length) {
      this.app.say(this.t("save_empty"), "warn");
      return;
    }
    const answer = await this.app.run(() => getJson("/api/v1/maps/cases"));
    if (!answer) return;
    const chosen = this.cases.value;
    const options = answer.cases.map((item) => {
      const option = document.createElement("option");
      option.value = item.case_id;
      const status = this.app.config.lang === "zh" ? item.status_zh : item.status;
      option.textContent = `${item.case_id} ${item.title}（${item.unit_name || ""} · ${status || ""}）`;
      return option;
    });
    this.cases.replaceChildren(this.noCase, ...options);
    if (answer.cases.some((item) => item.case_id === chosen)) this.cases.value = chosen;
    document.getElementById("map-save-more").hidden = !answer.more;
    const mine = Boolean(this.saved && this.saved.mine);
    this.versionRow.hidden = !mine;
    this.version.checked = mine;
    if (mine) {
      document.getElementById("map-save-version-text").textContent =
        this.t("save_version", { id: this.saved.map_id, version: this.saved.version });
    }
    if (!this.title.value && this.saved) this.title.value = this.saved.title;
    this.error.hidden = true;
    this.dialog.showModal();
    this.title.focus();
  }

  async save() {
    const caseId = this.cases.value || null;
    const body = { title: this.title.value, state: this.app.state(), case_id: caseId };
    let path = "/api/v1/maps";
    if (this.saved && this.saved.mine && this.version.checked) {
      path += `/${encodeURIComponent(this.saved.map_id)}`;
      body.version = this.saved.version;
    }
    let answer;
    try {
      answer = await postJson(path, body);
    } catch (error) {
      this.error.textContent = error.status === 404 ? this.t("save_gone") : this.t("failed", { message: error.message });
      this.error.hidden = false;
      return;
    }
    this.dialog.close();
    const saved = answer.map;
    this.show({ map_id: saved.map_id, title: saved.title, version: saved.version, mine: true });
    history.replaceState(null, "", `/map?saved=${encodeURIComponent(saved.map_id)}`);
    const text = this.t(answer.case_id ? "saved_case" : "saved",
                        { title: saved.title, id: saved.map_id, version: saved.version, case: answer.case_id || "" });
    const line = this.app.say(text, "", answer.case_id ? {
      text: this.t("open_case"),
      run: () => window.location.assign(`/cases/${encodeURIComponent(answer.case_id)}#maps`),
    } : null);
    line.classList.add("saved-message");
  }

  // /map?saved=<id>: the saved state, then reopen (a 404 reads like any missing key).
  async open(mapId) {
    const answer = await this.app.run(async () => {
      try {
        return await getJson(`/api/v1/maps/${encodeURIComponent(mapId)}`);
      } catch (error) {
        error.key = mapId;
        throw error;
      }
    });
    if (!answer) return;
    this.show({ map_id: answer.map_id, title: answer.title, version: answer.version, mine: answer.mine });
    await this.app.reopen(answer.state);
    this.app.say(this.t("saved_opened", { title: answer.title, owner: answer.owner, version: answer.version }));
  }

  show(saved) {
    this.saved = saved;
    if (this.title) this.title.value = saved.title;
    this.heading.textContent = this.t("saved_heading", { title: saved.title, version: saved.version });
    this.heading.title = `${saved.map_id} · ${saved.title}`;
    this.heading.hidden = false;
  }
}
